"""Seeing each denoising step, and setting guidance, on pipelines that differ in how they allow it.

Most diffusers video pipelines call `callback_on_step_end` after every step; HunyuanVideo-1.5's
image-to-video pipeline takes no callback and no `guidance_scale` (its guider holds it). There
the step is seen where every pipeline ends one, in the scheduler's `step`, and the guidance is
set on the guider for the call.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Callable, Iterator
from typing import Any

from stillmotion.engines.diffusion.shadowing import shadow_attribute


@contextlib.contextmanager
def observe_steps(pipe: Any, on_step: Callable[[int, Any], None]) -> Iterator[dict[str, Any]]:
    """Call `on_step(index, latents)` after each denoising step; yields the call arguments that do it."""
    if "callback_on_step_end" in inspect.signature(type(pipe).__call__).parameters:

        def on_step_end(pipeline: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
            on_step(step, tensors.get("latents"))
            return tensors

        yield {"callback_on_step_end": on_step_end}
        return
    scheduler = pipe.scheduler
    original = scheduler.step
    steps = 0

    def step(*args: Any, **kwargs: Any) -> Any:
        nonlocal steps
        result = original(*args, **kwargs)
        on_step(steps, None)  # the scheduler's output is not always the pipeline's latent layout
        steps += 1
        return result

    with shadow_attribute(scheduler, "step", step):
        yield {}


@contextlib.contextmanager
def fixed_guidance(pipe: Any, guidance_scale: float) -> Iterator[None]:
    """Guidance for pipelines whose guider holds it instead of a call argument."""
    guider = getattr(pipe, "guider", None)
    if guider is None or "guidance_scale" in inspect.signature(type(pipe).__call__).parameters:
        yield
        return
    with shadow_attribute(guider, "guidance_scale", guidance_scale):
        yield
