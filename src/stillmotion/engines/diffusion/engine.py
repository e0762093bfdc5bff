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
import inspect
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import torch
from PIL import Image

from stillmotion.audio.cues import AudioCues
from stillmotion.engines.base import RenderRequest
from stillmotion.engines.diffusion import families
from stillmotion.engines.diffusion.cfg_batching import batched_cfg
from stillmotion.engines.diffusion.model_audio import master_model_audio, model_track
from stillmotion.engines.diffusion.parallel import (
    CONTEXT_PARALLEL_FAMILIES,
    ParallelGroup,
    agree_to_stop,
    check_group,
    follow,
    group_failure,
    joined_group,
    share_task,
)
from stillmotion.engines.diffusion.preview import LatentPreview
from stillmotion.engines.diffusion.progress import Shares, StageClock, Work
from stillmotion.engines.diffusion.steps import fixed_guidance, observe_steps
from stillmotion.engines.diffusion.conditioning import (
    GenerationSettings,
    condition_image,
    picture_box,
)
from stillmotion.engines.diffusion.spec import DiffusionSpec
from stillmotion.engines.diffusion.speed import apply_speed_options, resolve_device, speed_problems
from stillmotion.engines.diffusion.tuning import fuse_loras, set_scheduler_shift
from stillmotion.engines.diffusion.weights import load_pipeline, validate_weights_dir
from stillmotion.errors import EngineFailure, NotReady, StillmotionError, TaskCancelled
from stillmotion.media.interpolate import retime, source_positions
from stillmotion.media.upscale import upscale
from stillmotion.pipeline.context import TaskContext

log = logging.getLogger(__name__)

ENGINE_VERSION = 1
"""Bumped when this module changes the frames it makes; the spec's hash covers model and switches."""

_SLOWED = 0.999
"""A plan speed below this means the clip was stretched to fit the model's frame limit."""
_DENOISE_SHARE = 0.9
"""Share of `generate`'s progress given to denoising when called without measured shares."""


class DiffusionEngine:
    """One model, resident in memory; `prepare()` may be called from several worker threads,
    renders run one at a time on the shared pipeline."""

    name = "diffusion"

    def __init__(self, spec: DiffusionSpec, group: ParallelGroup | None = None) -> None:
        """`group`: the ranks of a worker that splits each video across its GPUs (`--gpus N`);
        by default the group this process joined, if any."""
        group = group or joined_group()
        problems = validate_weights_dir(spec)
        if problems:
            raise NotReady(f"model {spec.name!r} cannot be served: " + "; ".join(problems))
        self.spec = spec
        self.group = group
        self.device = group.device if group is not None else resolve_device(spec.speed.device)
        problems = speed_problems(spec.speed, self.device)
        if group is not None and spec.family not in CONTEXT_PARALLEL_FAMILIES:
            problems.append(f"{spec.family} cannot split a video across GPUs (diffusers has no context-parallel "
                            f"plan for it; {', '.join(CONTEXT_PARALLEL_FAMILIES)} do)")
        if problems:
            raise NotReady(f"model {spec.name!r} cannot be served here: " + "; ".join(problems))
        started = time.perf_counter()
        self.pipe = load_pipeline(spec)
        self.pipe.set_progress_bar_config(disable=True)
        fuse_loras(self.pipe, spec.lora)
        set_scheduler_shift(self.pipe, spec.scheduler_shift)
        apply_speed_options(self.pipe, spec.speed, self.device, group)
        self.preview = LatentPreview.fit(self.pipe) if spec.preview else None
        self.load_seconds = time.perf_counter() - started
        self.format = families.native_format(spec, self.pipe)
        self.version = f"{ENGINE_VERSION}-{_spec_digest(spec)}"
        self._lock = threading.Lock()
        self.clock = StageClock()
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
                # "rendered at": a note about how, not about something left out (motion_strict passes it).
                reason = f"model {self.spec.name} generates at most {settings.num_frames} frames at {settings.fps:g} fps"
                plan["notes"] = [f"The clip is rendered at {plan['speed']:.2f}x speed: {reason}."]
                log.info("task slowed to %.2fx: %s", plan["speed"], reason)
        return DiffusionRender(self, request, settings, plan)

    def generate(
        self, request: RenderRequest, settings: GenerationSettings, ctx: TaskContext, shares: Shares | None = None
    ) -> Generated:
        """Run the pipeline at the native size and rate; progress covers `shares.denoise + shares.decode`."""
        pipe = self.pipe
        shares = shares or Shares(_DENOISE_SHARE, 1 - _DENOISE_SHARE, 0.0)
        started = time.perf_counter()
        denoised_at = started

        def on_step(step: int, latents: torch.Tensor | None) -> None:
            # Raising on cancel or deadline leaves the pipeline at once; the pipelines' own
            # `interrupt` flag would skip the remaining steps but still run the VAE decode.
            # Split across GPUs, every rank stops at the same step or the others would hang.
            nonlocal denoised_at
            if agree_to_stop(ctx.stopping) if self.group is not None else ctx.stopping:
                ctx.check()
                raise TaskCancelled()  # a follower: its leader's task stopped
            if self.preview is not None and latents is not None and (self.group is None or self.group.leader):
                ctx.preview = self.preview.jpeg(latents)
            ctx.report(shares.denoise * (step + 1) / settings.steps)
            denoised_at = time.perf_counter()

        ctx.check()
        if self.group is not None:
            check_group()
        with self._lock, torch.inference_mode(), batched_cfg(pipe, self.spec.speed.cfg_batch), \
                observe_steps(pipe, on_step) as step_kwargs, fixed_guidance(pipe, settings.guidance_scale):
            if self.group is not None and self.group.leader:  # under the lock: one task at a time for the group
                share_task((self.spec.name, replace(request, scene=None), settings, shares))  # no scene: unused here
            try:
                output = pipe(**self._call_arguments(request, settings), **step_kwargs)
            except StillmotionError:
                raise  # cancelled or timed out from the step callback: already the right failure code
            except Exception as error:
                if self.group is not None:  # a rank died or hung, or failed: the ranks are out of step
                    log.exception("split pipeline failed for model %s", self.spec.name)
                    raise group_failure(error) from error
                # a pipeline failure is an engine failure of this task, not of the server
                log.exception("diffusion pipeline failed for model %s", self.spec.name)
                raise EngineFailure() from error
        finished = time.perf_counter()
        ctx.report(shares.denoise + shares.decode)
        work = Work.of(settings.steps, settings.num_frames, settings.width * settings.height, 0, 0)
        self.clock.record("denoise", denoised_at - started, work.denoise)
        self.clock.record("decode", finished - denoised_at, work.decode)
        x, y, width, height = settings.box
        frames = np.clip(np.asarray(output.frames[0]) * 255 + 0.5, 0, 255).astype(np.uint8)
        track = model_track(pipe, output) if families.DEFAULTS[self.spec.family].own_audio else None
        return Generated(
            frames=frames[:, y : y + height, x : x + width],
            audio=None if track is None else track[0],
            audio_rate=0 if track is None else track[1],
        )

    def _call_arguments(self, request: RenderRequest, settings: GenerationSettings) -> dict[str, Any]:
        """The pipeline call, limited to the arguments this pipeline takes: HunyuanVideo-1.5 takes
        its size from the image and its guidance from its guider; only LTX takes a frame rate."""
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
            "frame_rate": settings.fps,
            "num_inference_steps": settings.steps,
            "guidance_scale": settings.guidance_scale,
            # A CPU generator draws the same noise on any device: same seed, same video.
            "generator": torch.Generator("cpu").manual_seed(request.seed),
            "max_sequence_length": settings.max_sequence_length,
            "output_type": "np",
        }
        accepted = inspect.signature(type(self.pipe).__call__).parameters
        return {name: value for name, value in kwargs.items() if name in accepted}


@dataclass(frozen=True)
class Generated:
    """What the pipeline made, at its native size and rate."""

    frames: np.ndarray
    """(frames, height, width, 3) uint8, cut to the picture's box."""
    audio: np.ndarray | None = None
    """(channels, samples) float, the model's own sound track (LTX-2, Kandinsky 6); None for silent models."""
    audio_rate: int = 0


class DiffusionRender:
    """One task: generate natively, then stream the retimed and upscaled frames."""

    audio_cues: AudioCues | None = None  # no motion plan to follow; the audio picks its own stand-ins

    def __init__(
        self, engine: DiffusionEngine, request: RenderRequest, settings: GenerationSettings, plan: dict[str, Any]
    ) -> None:
        self._engine, self._request, self.settings, self.plan = engine, request, settings, plan
        self._generated: Generated | None = None
        self._work = Work.of(settings.steps, settings.num_frames, settings.width * settings.height,
                             request.num_frames - 1, request.width * request.height)
        self._shares = engine.clock.shares(self._work)

    @property
    def generated_frames(self) -> int | None:
        """How many native frames the pipeline returned (known once generation has run)."""
        return None if self._generated is None else len(self._generated.frames)

    def _generate(self, ctx: TaskContext) -> Generated:
        if self._generated is None:
            self._generated = self._engine.generate(self._request, self.settings, ctx, self._shares)
        return self._generated

    def soundtrack(self, ctx: TaskContext) -> np.ndarray | None:
        """The model's own sound track for the clip, mastered like every track (exact length,
        loudness, fades); None when the model makes no sound or the clip was slowed to fit."""
        generated = self._generate(ctx)
        if generated.audio is None or self.plan.get("speed", 1.0) < _SLOWED:
            return None
        request = self._request
        return master_model_audio(generated.audio, generated.audio_rate, request.num_frames, request.fps)

    def frames(self, ctx: TaskContext) -> Iterator[np.ndarray]:
        request = self._request
        video = self._generate(ctx).frames
        positions = source_positions(request.num_frames, request.fps, len(video), self.settings.fps)
        done = self._shares.denoise + self._shares.decode
        started = time.perf_counter()
        yield request.image  # the contract: frame 0 is the framed input itself
        for index, frame in enumerate(retime(video, positions[1:]), start=1):
            ctx.check()
            yield upscale(frame, request.width, request.height)
            ctx.report(done + self._shares.retime * index / (request.num_frames - 1))
        self._engine.clock.record("retime", time.perf_counter() - started, self._work.retime)


def follow_leader(engines: dict[str, DiffusionEngine]) -> None:
    """A follower rank's life: run each task the leader shares, on the same model, until it
    releases the group (`parallel.release_followers`)."""
    follow(lambda job: engines[job[0]].generate(job[1], job[2], TaskContext(), job[3]))


def _spec_digest(spec: DiffusionSpec) -> str:
    """Everything in the spec can change the frames (weights, steps, cache thresholds...)."""
    text = json.dumps(asdict(spec), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
