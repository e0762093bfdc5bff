"""The motion engine: animates the photo itself on a CPU, no weights.

`prepare()` reads the image and the prompt into a plan and builds everything
that does not change over time (camera path, layers, fields); the returned
render then produces each frame as a pure function of (seed, frame index).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from stillmotion.audio.cues import AudioCues
from stillmotion.engines.base import RenderRequest
from stillmotion.engines.motion.camera import build_camera_path
from stillmotion.engines.motion.plan import MotionPlan
from stillmotion.engines.motion.render import FrameRenderer
from stillmotion.pipeline.context import TaskContext

ENGINE_VERSION = "1"


@dataclass
class MotionRender:
    """One task's render, planned; `frames()` streams it."""

    plan: dict[str, Any]
    audio_cues: AudioCues | None
    renderer: FrameRenderer
    num_frames: int
    motion_plan: MotionPlan = field(repr=False, default_factory=MotionPlan)

    def frames(self, ctx: TaskContext) -> Iterator[np.ndarray]:
        for index in range(self.num_frames):
            ctx.check()
            yield self.renderer.render(index)


class MotionEngine:
    """Procedural 2.5D animation: camera moves, parallax, region effects, particles."""

    name = "motion"
    version = ENGINE_VERSION

    def prepare(self, request: RenderRequest) -> MotionRender:
        plan = plan_for(request)
        return prepare_plan(request, plan)


def plan_for(request: RenderRequest) -> MotionPlan:
    """The plan the prompt asks for; until the prompt reader lands, the default slow push-in."""
    return MotionPlan()


def prepare_plan(request: RenderRequest, plan: MotionPlan) -> MotionRender:
    """Build the render of an explicit plan (the seam tests and `--explain` use)."""
    path = build_camera_path(
        plan.camera,
        speed=plan.speed,
        strength=plan.strength,
        smoothing=plan.smoothing,
        loop=plan.loop,
        num_frames=request.num_frames,
        fps=request.fps,
        width=request.width,
        height=request.height,
        seed=request.seed,
    )
    renderer = FrameRenderer(image=request.image, camera=path)
    cues = AudioCues(
        fps=request.fps,
        num_frames=request.num_frames,
        loop=plan.loop,
        elements=frozenset(),
        curves={"camera": path.progress.astype(np.float32)},
    )
    return MotionRender(
        plan=plan.to_dict(), audio_cues=cues, renderer=renderer, num_frames=request.num_frames, motion_plan=plan
    )
