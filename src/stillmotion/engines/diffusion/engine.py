"""The diffusion engine: a diffusers image-to-video pipeline, loaded once, rendering per task.

Construction loads the weights and applies the speed switches (like Cog's `setup()`);
`prepare()` maps a request onto the model's native format; the render runs the
pipeline with progress and cancellation at every denoising step, then reaches
exactly `num_frames` at the requested fps by motion-compensated interpolation and
the output size by upscaling, one frame at a time.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import numpy as np
import torch
from PIL import Image

from stillmotion.audio.cues import AudioCues
from stillmotion.engines.base import RenderRequest
from stillmotion.engines.diffusion import families
from stillmotion.engines.diffusion.cfg_batching import batched_cfg
from stillmotion.engines.diffusion.conditioning import (
    GenerationSettings,
    condition_image,
    picture_box,
)
from stillmotion.engines.diffusion.spec import DiffusionSpec
from stillmotion.engines.diffusion.speed import apply_speed_options, resolve_device
from stillmotion.engines.diffusion.weights import load_pipeline, validate_weights_dir
from stillmotion.errors import EngineFailure, NotReady, StillmotionError
from stillmotion.media.interpolate import retime, source_positions
from stillmotion.media.upscale import upscale
from stillmotion.pipeline.context import TaskContext

log = logging.getLogger(__name__)

ENGINE_VERSION = 1
"""Bumped when this module changes the frames it makes; the spec's hash covers model and switches."""

_SLOWED = 0.999
"""A plan speed below this means the clip was stretched to fit the model's frame limit."""
_DENOISE_SHARE = 0.9
"""Share of the pre-frame progress given to denoising; the VAE decode takes the rest."""


class DiffusionEngine:
    """One model, resident in memory; `prepare()` may be called from several worker threads,
    renders run one at a time on the shared pipeline."""

    name = "diffusion"

    def __init__(self, spec: DiffusionSpec) -> None:
        problems = validate_weights_dir(spec)
        if problems:
            raise NotReady(f"model {spec.name!r} cannot be served: " + "; ".join(problems))
        self.spec = spec
        self.device = resolve_device(spec.speed.device)
        started = time.perf_counter()
        self.pipe = load_pipeline(spec)
        self.pipe.set_progress_bar_config(disable=True)
        apply_speed_options(self.pipe, spec.speed, self.device)
        self.load_seconds = time.perf_counter() - started
        self.format = families.native_format(spec, self.pipe)
        self.version = f"{ENGINE_VERSION}-{_spec_digest(spec)}"
        self._lock = threading.Lock()
        log.info(
            "diffusion model %s (%s) loaded from %s in %.1f s on %s",
            spec.name, self.format.variant, spec.weights_dir, self.load_seconds, self.device,
        )

    def prepare(self, request: RenderRequest) -> DiffusionRender:
        fmt = self.format
        width, height = families.native_size(fmt, request.width, request.height)
        defaults = families.DEFAULTS[self.spec.family]
        settings = GenerationSettings(
            width=width,
            height=height,
            box=picture_box(width, height, request.width, request.height),
            num_frames=families.native_frame_count(fmt, request.num_frames, request.fps),
            fps=families.native_fps(fmt, request.fps),
            steps=self.spec.steps or defaults.steps,
            guidance_scale=families.guidance_scale(self.spec, request.cfg_scale),
            max_sequence_length=self.spec.max_sequence_length or defaults.max_sequence_length,
        )
        plan = {
            "engine": self.name,
            "model": self.spec.name,
            "family": self.spec.family,
            "variant": fmt.variant,
            "native": asdict(settings),
            "output": {"width": request.width, "height": request.height, "fps": request.fps,
                       "num_frames": request.num_frames},
            "seed": request.seed,
        }
        positions = source_positions(request.num_frames, request.fps, settings.num_frames, settings.fps)
        plan["interpolated"] = bool(np.any(np.abs(positions - np.round(positions)) > 1e-6))
        if request.num_frames > 1:
            # 1.0 plays at the model's own pace; below 1, a clip longer than the model's frame limit is slowed.
            plan["speed"] = round(float(positions[-1]) / settings.fps / ((request.num_frames - 1) / request.fps), 4)
            if plan["speed"] < _SLOWED:
                note = (f"slowed to {plan['speed']:.2f}x: model {self.spec.name} generates at most "
                        f"{settings.num_frames} frames at {settings.fps:g} fps")
                plan["notes"] = [note[0].upper() + note[1:] + "."]
                log.info("task slowed to %s", note.removeprefix("slowed to "))
        return DiffusionRender(self, request, settings, plan)

    def generate(self, request: RenderRequest, settings: GenerationSettings, ctx: TaskContext) -> np.ndarray:
        """Run the pipeline: (frames, height, width, 3) uint8 at the native size and rate."""
        pipe = self.pipe

        def on_step_end(pipeline: Any, step: int, timestep: Any, tensors: dict[str, Any]) -> dict[str, Any]:
            # Raising on cancel or deadline leaves the pipeline at once; the pipelines' own
            # `interrupt` flag would skip the remaining steps but still run the VAE decode.
            ctx.check()
            ctx.report(_DENOISE_SHARE * (step + 1) / settings.steps)
            return tensors

        image = Image.fromarray(condition_image(request.image, settings))
        kwargs: dict[str, Any] = {
            **families.DEFAULTS[self.spec.family].pipeline_kwargs,
            **self.spec.pipeline_kwargs,
            "image": image,
            "prompt": request.prompt,
            "negative_prompt": request.negative_prompt or None,
            "width": settings.width,
            "height": settings.height,
            "num_frames": settings.num_frames,
            "num_inference_steps": settings.steps,
            "guidance_scale": settings.guidance_scale,
            # A CPU generator draws the same noise on any device: same seed, same video.
            "generator": torch.Generator("cpu").manual_seed(request.seed),
            "max_sequence_length": settings.max_sequence_length,
            "output_type": "np",
            "callback_on_step_end": on_step_end,
        }
        if self.spec.family == "ltx":
            kwargs["frame_rate"] = settings.fps
        ctx.check()
        with self._lock, torch.inference_mode(), batched_cfg(pipe, self.spec.speed.cfg_batch):
            try:
                video = pipe(**kwargs).frames[0]
            except StillmotionError:
                raise  # cancelled or timed out from the step callback: already the right failure code
            except Exception as error:  # a pipeline failure is an engine failure of this task, not of the server
                log.exception("diffusion pipeline failed for model %s", self.spec.name)
                raise EngineFailure() from error
        ctx.report(1.0)
        x, y, width, height = settings.box
        frames = np.clip(np.asarray(video) * 255 + 0.5, 0, 255).astype(np.uint8)
        return frames[:, y : y + height, x : x + width]


class DiffusionRender:
    """One task: generate natively, then stream the retimed and upscaled frames."""

    audio_cues: AudioCues | None = None  # no motion plan to follow; the audio picks its own stand-ins

    def __init__(
        self, engine: DiffusionEngine, request: RenderRequest, settings: GenerationSettings, plan: dict[str, Any]
    ) -> None:
        self._engine, self._request, self.settings, self.plan = engine, request, settings, plan
        self.generated_frames: int | None = None
        """How many native frames the pipeline returned (known once `frames()` has started)."""

    def frames(self, ctx: TaskContext) -> Iterator[np.ndarray]:
        request = self._request
        video = self._engine.generate(request, self.settings, ctx)
        self.generated_frames = len(video)
        positions = source_positions(request.num_frames, request.fps, len(video), self.settings.fps)
        yield request.image  # the contract: frame 0 is the framed input itself
        for frame in retime(video, positions[1:]):
            ctx.check()
            yield upscale(frame, request.width, request.height)


def _spec_digest(spec: DiffusionSpec) -> str:
    """Everything in the spec can change the frames (weights, steps, cache thresholds...)."""
    text = json.dumps(asdict(spec), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
