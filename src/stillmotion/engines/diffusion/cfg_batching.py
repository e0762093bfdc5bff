"""CFG batching for pipelines that run the conditional and unconditional passes one after the other.

Wan's denoising loop calls the transformer twice per step (prompt, then negative
prompt) on the same latents. Batching both into one call of batch size two reads
the weights once per step instead of twice, which pays off when a pass is too
small to saturate the GPU (lower resolutions, the 5B model, few-step LoRAs); at
14B/720p it mostly costs memory, hence a switch. The LTX and CogVideoX pipelines
already batch CFG themselves, so nothing is wrapped for them.

How: while active, `encode_prompt` is observed to learn the negative embeddings,
and each denoiser's forward, on the conditional call, computes both halves and
keeps the unconditional half for the call that immediately follows with the same
latents. Cache hooks still see one call per step, under the "cond" context.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import torch

from stillmotion.engines.diffusion.shadowing import shadow_attribute
from stillmotion.engines.diffusion.speed import denoisers

_SEQUENTIAL_CFG_PIPELINES = ("WanImageToVideoPipeline",)


@contextlib.contextmanager
def batched_cfg(pipe: Any, enabled: bool) -> Iterator[None]:
    if not enabled or type(pipe).__name__ not in _SEQUENTIAL_CFG_PIPELINES:
        yield
        return
    batcher = _CfgBatcher(pipe)
    with batcher.observe_prompts(), contextlib.ExitStack() as stack:
        for model in denoisers(pipe):
            stack.enter_context(batcher.wrap(model))
        yield


class _CfgBatcher:
    def __init__(self, pipe: Any) -> None:
        self._pipe = pipe
        self._negative: torch.Tensor | None = None
        self._pending: tuple[torch.Tensor, torch.Tensor] | None = None  # (latents it answers, uncond output)

    @contextlib.contextmanager
    def observe_prompts(self) -> Iterator[None]:
        original = self._pipe.encode_prompt

        def encode_prompt(*args: Any, **kwargs: Any) -> Any:
            positive, negative = original(*args, **kwargs)
            self._negative = negative
            return positive, negative

        with shadow_attribute(self._pipe, "encode_prompt", encode_prompt):
            yield

    @contextlib.contextmanager
    def wrap(self, model: Any) -> Iterator[None]:
        original = model.forward

        def forward(hidden_states: torch.Tensor, timestep: torch.Tensor, encoder_hidden_states: torch.Tensor,
                    encoder_hidden_states_image: torch.Tensor | None = None, **kwargs: Any) -> Any:
            pending, self._pending = self._pending, None
            if pending is not None and pending[0] is hidden_states:
                return (pending[1],)  # the unconditional pass, computed with the conditional one
            if not self._pipe.do_classifier_free_guidance or self._negative is None:
                return original(hidden_states, timestep, encoder_hidden_states, encoder_hidden_states_image, **kwargs)
            negative = self._negative.to(encoder_hidden_states.dtype)
            image = None if encoder_hidden_states_image is None else torch.cat([encoder_hidden_states_image] * 2)
            output = original(
                torch.cat([hidden_states, hidden_states]),
                torch.cat([timestep, timestep]),
                torch.cat([encoder_hidden_states, negative]),
                image,
                **kwargs,
            )[0]
            conditional, unconditional = output.chunk(2)
            self._pending = (hidden_states, unconditional)
            return (conditional,)

        with shadow_attribute(model, "forward", forward):
            yield
