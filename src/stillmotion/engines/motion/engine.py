"""The motion engine: animates the photo itself on a CPU, no weights.

`prepare()` reads the image (depth proxy, region masks) and the prompt into a
plan, then builds everything that does not change over time (camera path,
parallax layers, region fields, particles); the returned render produces each
frame as a pure function of (seed, frame index).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from stillmotion.audio.cues import AudioCues
from stillmotion.engines.base import RenderRequest
from stillmotion.engines.motion import prompt_paraphrase
from stillmotion.engines.motion.added_effects import ADDED_KINDS, AddedEffect, build_added_effects
from stillmotion.engines.motion.allocator import keep_freed_memory
from stillmotion.engines.motion.anchors import ATMOSPHERE_KINDS, place
from stillmotion.engines.motion.camera import (
    PARALLAX_LIMIT_WITH_SKY,
    PARALLAX_LIMIT_WITHOUT_SKY,
    CameraPath,
    build_camera_path,
)
from stillmotion.engines.motion.fields import FieldGrid
from stillmotion.engines.motion.notes import (
    PARALLAX_MOVES,
    SMALLER_NOTE_BELOW,
    SMALLER_REASON,
    WEAK_REASON,
    falling_water,
    note,
)
from stillmotion.engines.motion.parallax import ParallaxWarp, supported_parallax
from stillmotion.engines.motion.particles import ParticleSystem
from stillmotion.engines.motion.plan import MotionPlan
from stillmotion.engines.motion.prompt import plan_motion
from stillmotion.engines.motion.prompt_match import Reading, read_prompt
from stillmotion.engines.motion.regions import RegionAnimator, highlight_mask
from stillmotion.engines.motion.render import FrameRenderer
from stillmotion.engines.motion.scene import SceneAnalysis, analyze_scene
from stillmotion.engines.motion.visibility import VISIBLE_CHANGE, Visibility, measure_added, measure_regions
from stillmotion.pipeline.context import TaskContext

ENGINE_VERSION = "2"
SUBJECT_MIN_WEIGHT = 0.05
"""A subject mask summing to less than 5% of its peak area is noise; push in on the centre."""


@dataclass
class MotionRender:
    """One task's render, planned; `frames()` streams it."""

    plan: dict[str, Any]
    audio_cues: AudioCues | None
    renderer: FrameRenderer
    num_frames: int

    def frames(self, ctx: TaskContext) -> Iterator[np.ndarray]:
        for index in range(self.num_frames):
            ctx.check()
            yield self.renderer.render(index)


class MotionEngine:
    """Procedural 2.5D animation: camera moves, parallax, region effects, particles."""

    name = "motion"
    version = ENGINE_VERSION

    def __init__(self, threads: int = 0) -> None:
        """`threads`: OpenCV's thread count (process-wide; `Settings.engine_threads`), 0 keeps its default."""
        if threads > 0:
            cv2.setNumThreads(threads)
        keep_freed_memory()

    def prepare(self, request: RenderRequest) -> MotionRender:
        scene = request.scene if request.scene is not None else analyze_scene(request.image)
        plan = plan_motion(
            request.prompt, request.negative_prompt, request.cfg_scale, request.seed, scene,
            user_prompt=request.user_prompt,
        )
        supported = PARALLAX_LIMIT_WITH_SKY if "sky" in scene.elements else PARALLAX_LIMIT_WITHOUT_SKY
        return prepare_plan(request, without_invisible(request, plan, scene), scene, parallax_limit=supported)


def without_invisible(request: RenderRequest, plan: MotionPlan, scene: SceneAnalysis) -> MotionPlan:
    """The plan less the region effects that would not visibly move (measured on rendered
    frames, `visibility.py`), with a note for each one the user asked for."""
    measured = measure_regions(
        request.image, plan, _masks(request, plan, scene), fps=request.fps, num_frames=request.num_frames,
        seed=request.seed,
    )
    return _without_faint(request, plan, {m.kind: m for m in measured if not m.visible})


def _without_faint(request: RenderRequest, plan: MotionPlan, faint: dict[str, Visibility]) -> MotionPlan:
    """The plan less the `faint` region kinds, with a note for each one the user asked for."""
    if not faint:
        return plan
    said = _user_reading(request)
    notes = list(plan.notes)
    words: dict[str, list[str]] = {}  # one note per faint kind, quoting every word that asked for it
    for mention in said.mentions:
        if mention.concept.group == "region" and not mention.negated and mention.concept.kind in faint \
                and not falling_water(mention):  # its own note says why already
            words.setdefault(mention.concept.kind, []).append(mention.text)
    for kind, texts in words.items():
        measure = f"mean change {faint[kind].change:.1f} of 255 levels in its region"
        notes.append(note("', '".join(dict.fromkeys(texts)), WEAK_REASON.format(kind=kind, measured=measure)))
    why = [f"{kind}: changes its region by {m.change:.2f} levels (< {VISIBLE_CHANGE}), not visible; dropped"
           for kind, m in faint.items()]
    return replace(
        plan,
        regions=tuple(r for r in plan.regions if r.kind not in faint),
        notes=tuple(dict.fromkeys(notes)),
        explanation=plan.explanation + tuple(why),
    )


def _visible_added(
    request: RenderRequest, plan: MotionPlan, scene: SceneAnalysis | None, effects: list[AddedEffect]
) -> tuple[MotionPlan, tuple[AddedEffect, ...]]:
    """The added effects that visibly change the picture (measured, `visibility.py`), and the plan
    less the added kinds it names that found nowhere to be or would not show, with where each
    drawn one is placed said in its explanation."""
    measured = {m.kind: m for m in measure_added(request.image, effects, num_frames=request.num_frames)}
    faint = {r.kind: measured.get(r.kind, Visibility(r.kind, 0.0)) for r in plan.regions if r.kind in ADDED_KINDS}
    faint = {kind: m for kind, m in faint.items() if not m.visible}
    kept = tuple(effect for effect in effects if effect.kind not in faint)
    plan = _without_faint(request, plan, faint)
    why = tuple(f"{effect.kind}: {place(effect.kind, scene)}" for effect in kept if effect.kind in ATMOSPHERE_KINDS)
    return replace(plan, explanation=plan.explanation + why) if why else plan, kept


def _smaller_camera(request: RenderRequest, plan: MotionPlan, kept: float) -> MotionPlan:
    """Say that the camera moves less than asked, quoting the user's camera words when they named it."""
    why = f"camera: {plan.camera.kind} parallax scaled to {kept:.0%}, the most the depth proxy supports"
    said = _user_reading(request)
    named = [m for m in said.mentions if m.concept.group == "camera" and m.concept.kind == plan.camera.kind]
    notes = plan.notes
    if named and kept < SMALLER_NOTE_BELOW and plan.camera.kind in PARALLAX_MOVES:
        notes += (note(named[0].text, SMALLER_REASON.format(kept=kept)),)
    return replace(plan, notes=tuple(dict.fromkeys(notes)), explanation=plan.explanation + (why,))


def _user_reading(request: RenderRequest) -> Reading:
    """The prompt as the user wrote it (notes quote the user, not the enhancer), read as the plan
    read it: a clause the paraphrase model took for a region is noted when that region is dropped."""
    return read_prompt(request.user_prompt if request.user_prompt is not None else request.prompt,
                       prompt_paraphrase.closest_concept)


def _masks(request: RenderRequest, plan: MotionPlan, scene: SceneAnalysis | None) -> dict[str, np.ndarray]:
    masks = dict(scene.masks) if scene is not None else {}
    if any(region.kind == "light" for region in plan.regions) and "light" not in masks:
        masks["light"] = highlight_mask(request.image)
    return masks


def prepare_plan(
    request: RenderRequest, plan: MotionPlan, scene: SceneAnalysis | None = None, parallax_limit: float | None = None
) -> MotionRender:
    """Build the render of an explicit plan over an (optional) scene analysis.

    `parallax_limit`: the near/far separation the depth supports (`camera.PARALLAX_LIMIT_*`,
    chosen by `MotionEngine.prepare` from the scene); None renders the plan's parallax as asked.

    Without a scene the image is treated as flat and maskless: camera moves and
    particles still work, parallax and region effects have nothing to act on.
    """
    width, height = request.width, request.height
    grid = FieldGrid.for_size(width, height)
    depth = scene.depth if scene is not None else None
    masks = _masks(request, plan, scene)

    if parallax_limit is not None and depth is not None:
        # No more than the layers of this depth can take without stretching the picture.
        parallax_limit = min(parallax_limit, supported_parallax(depth, grid))
    path = _camera_path(request, plan, depth, _closed_on(masks), parallax_limit)
    parallax = None
    if depth is not None and any(pose.has_parallax for pose in path.poses):
        parallax = ParallaxWarp.build(request.image, depth, path, grid)
    regions = RegionAnimator.build(
        plan.regions, masks, grid, speed=plan.speed, strength=plan.strength, fps=request.fps,
        num_frames=request.num_frames, loop=plan.loop, seed=request.seed, image=request.image,
    )
    particles = ParticleSystem.build(
        plan.particles, width=width, height=height, fps=request.fps, num_frames=request.num_frames,
        loop=plan.loop, seed=request.seed, speed=plan.speed, strength=plan.strength,
        # Particles take the depth the picture moves with: none when it is warped flat.
        depth_range=(float(depth.min()), float(depth.max())) if parallax is not None and depth is not None else None,
        focus=path.focus,
    )
    # Added effects sit at their anchor's depth for the camera: none when the picture is warped flat.
    added = build_added_effects(
        plan, request.image, scene, grid, path if parallax is not None else None, fps=request.fps,
        num_frames=request.num_frames, seed=request.seed,
    )
    plan, kept = _visible_added(request, plan, scene, added)
    renderer = FrameRenderer(request.image, path, grid, parallax, regions, particles, added=kept)
    if path.kept < 1.0:
        plan = _smaller_camera(request, plan, path.kept)
    return MotionRender(
        plan=plan.to_dict(),
        audio_cues=_audio_cues(request, plan, path, regions, particles),
        renderer=renderer,
        num_frames=request.num_frames,
    )


def _closed_on(masks: dict[str, np.ndarray]) -> np.ndarray | None:
    """What the camera closes on: a portrait's faces ("zoom in on her face" pushed in on the
    astronaut's chest, the salient-subject mask's centroid), else a salient subject big enough
    to be one, else nothing (the frame's centre)."""
    faces = masks.get("faces")
    if faces is not None and float(faces.max()) >= 0.5:
        return faces
    subject = masks.get("subject")
    if subject is not None and float(subject.sum()) > SUBJECT_MIN_WEIGHT * subject.size * float(subject.max() or 1):
        return subject
    return None


def _camera_path(
    request: RenderRequest, plan: MotionPlan, depth: np.ndarray | None, subject: np.ndarray | None,
    parallax_limit: float | None,
) -> CameraPath:
    focus_point, subject_depth = None, None
    if subject is not None:
        ys, xs = np.mgrid[0 : subject.shape[0], 0 : subject.shape[1]]
        total = float(subject.sum())
        sx, sy = request.width / subject.shape[1], request.height / subject.shape[0]
        focus_point = (
            float((xs * subject).sum() / total + 0.5) * sx - 0.5,
            float((ys * subject).sum() / total + 0.5) * sy - 0.5,
        )
        if depth is not None and depth.shape == subject.shape:
            subject_depth = float((depth * subject).sum() / total)
    depth_range = None if depth is None else (float(depth.min()), float(depth.max()))
    return build_camera_path(
        plan.camera, speed=plan.speed, strength=plan.strength, smoothing=plan.smoothing, loop=plan.loop,
        num_frames=request.num_frames, fps=request.fps, width=request.width, height=request.height,
        seed=request.seed, subject=focus_point, depth_range=depth_range, subject_depth=subject_depth,
        parallax_limit=parallax_limit,
    )


def _audio_cues(
    request: RenderRequest, plan: MotionPlan, path: CameraPath, regions: RegionAnimator | None,
    particles: ParticleSystem | None,
) -> AudioCues:
    """Per-frame curves the audio synthesis follows, from the same time functions as the picture."""
    n = request.num_frames
    curves: dict[str, np.ndarray] = {"camera": path.progress.astype(np.float32)}
    elements = {region.kind for region in plan.regions} | {p.kind for p in plan.particles}
    if regions is not None:
        curves.update(regions.curves)
    rain = next((p for p in plan.particles if p.kind == "rain"), None)
    if particles is not None and rain is not None:
        envelope = np.array([particles.envelope(k) for k in range(n)], np.float32)
        curves["rain"] = envelope * float(np.clip(rain.density, 0.0, 1.0))
    for name in ("rain", "water", "fire", "wind"):
        curves.setdefault(name, np.zeros(n, np.float32))
    return AudioCues(fps=request.fps, num_frames=n, loop=plan.loop, elements=frozenset(elements), curves=curves)
