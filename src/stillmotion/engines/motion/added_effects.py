"""Effects that add what the photo lacks, drawn on the finished frame where the scene gives them a place.

Region effects (`regions.py`) move the photo's own pixels; these draw on the
frame after the camera warp, through the frame's pose, before the particles:
steam and smoke rising from a cup, flames or the subject (`plume.py`), fog on
the ground or water (`fog.py`), heat shimmer over flames or the horizon
(`shimmer.py`), twinkle and glint on point lights (`twinkle.py`), light rays
from a bright gap (`light_rays.py`) and rain rings on water (`ripples.py`).
Each is built once per task; the planner keeps one only when the scene has a
place for it (`notes.region_found`), so an effect that cannot be built here
comes from a plan made by hand and is left out rather than drawn anywhere
(`visibility.measure_added` then reports it as not rendered).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np

from stillmotion.engines.motion.anchors import ATMOSPHERE_KINDS, fog_bed, heat_band, plume_source
from stillmotion.engines.motion.camera import CameraPath, CameraPose
from stillmotion.engines.motion.fields import FieldGrid
from stillmotion.engines.motion.fog import Fog
from stillmotion.engines.motion.light_rays import LightRays
from stillmotion.engines.motion.plan import MotionPlan, RegionEffect
from stillmotion.engines.motion.plume import Plume
from stillmotion.engines.motion.ripples import Ripples
from stillmotion.engines.motion.scale import strength_gain
from stillmotion.engines.motion.scene import SceneAnalysis
from stillmotion.engines.motion.shimmer import Shimmer
from stillmotion.engines.motion.twinkle import Twinkle

LIGHT_KINDS = ("twinkle", "rays", "ripples")
"""Added effects that add light; the vapour ones are `anchors.ATMOSPHERE_KINDS`."""
ADDED_KINDS = frozenset(ATMOSPHERE_KINDS) | frozenset(LIGHT_KINDS)
"""Region kinds drawn on the frame rather than moved in it."""


class AddedEffect(Protocol):
    kind: str

    def draw(self, frame: np.ndarray, index: int, pose: CameraPose | None) -> None:
        """Draw frame `index` of the effect onto `frame` (RGB uint8, in place); frame 0 adds nothing."""

    def footprint(self, index: int) -> np.ndarray:
        """Where the effect acts at frame `index` (bool, frame size), for `visibility.measure_added`."""


@runtime_checkable
class Refraction(Protocol):
    """An added effect that moves the picture rather than painting on it (heat shimmer): the
    renderer folds its displacement into the warp that makes the frame, before anything is drawn."""

    def screen_shifts(self, index: int, pose: CameraPose | None) -> tuple[np.ndarray, np.ndarray] | None:
        """Per coarse output cell (`FieldGrid`), how far (px) from it the cell's content is
        taken at frame `index`; None when nothing moves."""


def build_added_effects(
    plan: MotionPlan, image: np.ndarray, scene: SceneAnalysis | None, grid: FieldGrid, path: CameraPath | None, *,
    fps: int, num_frames: int, seed: int,
) -> list[AddedEffect]:
    """One effect per added kind of the plan that has somewhere to be, in the plan's order.

    `path`: the camera path whose focus depth the effects sit against, None when the picture is
    warped flat (every effect then moves with the window alone).
    """
    if scene is None:
        return []
    out: list[AddedEffect] = []
    for effect in plan.regions:
        if effect.kind in ADDED_KINDS:
            built = _build(effect, plan, image, scene, grid, path, fps=fps, num_frames=num_frames, seed=seed)
            if built is not None:
                out.append(built)
    return out


def _build(
    effect: RegionEffect, plan: MotionPlan, image: np.ndarray, scene: SceneAnalysis, grid: FieldGrid,
    path: CameraPath | None, *, fps: int, num_frames: int, seed: int,
) -> AddedEffect | None:
    if effect.kind in ATMOSPHERE_KINDS:
        vapour = dict(fps=fps, num_frames=num_frames, loop=plan.loop, seed=seed, speed=plan.speed,
                      strength=plan.strength, focus=None if path is None else path.focus, depth=scene.depth)
        if effect.kind in ("steam", "smoke"):
            source = plume_source(scene)
            return None if source is None else Plume.build(effect, source, grid, **vapour)
        if effect.kind == "fog":
            bed = fog_bed(scene)
            return None if bed is None else Fog.build(effect, bed[0], image, grid, **vapour)
        band = heat_band(scene)
        return None if band is None else Shimmer.build(effect, band[0], grid, **vapour)
    amount = (effect.strength / 0.5) * strength_gain(plan.strength)
    light = dict(fps=fps, num_frames=num_frames, loop=plan.loop, seed=seed, amount=amount,
                 tempo=effect.speed * plan.speed)
    if effect.kind == "twinkle":
        return Twinkle.build(image, nearness_at=None if path is None else path.focus - scene.depth, **light)
    if effect.kind == "rays":
        return LightRays.build(image, scene.masks.get("rays", np.zeros((1, 1), np.float32)), **light)
    rain = next((p for p in plan.particles if p.kind == "rain"), None)
    density = rain.density if rain is not None else 0.5
    return Ripples.build(image, scene.masks["water"], horizon=scene.horizon, density=density, **light)
