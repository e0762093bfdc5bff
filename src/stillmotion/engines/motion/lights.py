"""Effects that add light the photo lacks, anchored to what the scene analysis found.

Unlike region effects (`regions.py`), which move the photo's own pixels, these
draw on the finished frame: twinkle and glint on point lights (`twinkle.py`),
light rays through gaps (`light_rays.py`) and rain rings on water
(`ripples.py`). Each is a region kind of the plan, found or not by the scene
analysis (the "twinkle" and "rays" masks, the "water" mask), built here once
per task and drawn after the camera warp, through the frame's pose, before
the particles.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from stillmotion.engines.motion.camera import CameraPath, CameraPose
from stillmotion.engines.motion.light_rays import LightRays
from stillmotion.engines.motion.plan import MotionPlan, RegionEffect
from stillmotion.engines.motion.ripples import Ripples
from stillmotion.engines.motion.scale import strength_gain
from stillmotion.engines.motion.scene import SceneAnalysis
from stillmotion.engines.motion.twinkle import Twinkle

LIGHT_KINDS = frozenset({"twinkle", "rays", "ripples"})
"""Region kinds drawn on the frame rather than moved in it."""


class LightEffect(Protocol):
    kind: str

    def draw(self, frame: np.ndarray, index: int, pose: CameraPose | None) -> None:
        """Add frame `index`'s effect to `frame` (RGB uint8, in place); frame 0 adds nothing."""

    def footprint(self, index: int) -> np.ndarray:
        """Where the effect acts at frame `index` (bool, the image's size), for `visibility.py`."""


def build_lights(
    plan: MotionPlan, image: np.ndarray, scene: SceneAnalysis | None, path: CameraPath | None, *, fps: int,
    num_frames: int, seed: int,
) -> list[LightEffect]:
    """The plan's light effects that have something to anchor to (the others are left out;
    `visibility.measure_lights` then reports them as not rendered)."""
    if scene is None:
        return []
    out: list[LightEffect] = []
    for effect in plan.regions:
        if effect.kind in LIGHT_KINDS:
            built = _build(effect, plan, image, scene, path, fps=fps, num_frames=num_frames, seed=seed)
            if built is not None:
                out.append(built)
    return out


def _build(
    effect: RegionEffect, plan: MotionPlan, image: np.ndarray, scene: SceneAnalysis, path: CameraPath | None, *,
    fps: int, num_frames: int, seed: int,
) -> LightEffect | None:
    amount = (effect.strength / 0.5) * strength_gain(plan.strength)
    tempo = effect.speed * plan.speed
    common = {"fps": fps, "num_frames": num_frames, "loop": plan.loop, "seed": seed}
    if effect.kind == "twinkle":
        nearness = None if path is None else (path.focus - scene.depth)
        return Twinkle.build(image, nearness_at=nearness, amount=amount, tempo=tempo, **common)
    if effect.kind == "rays":
        return LightRays.build(image, scene.masks.get("rays", np.zeros((1, 1), np.float32)), amount=amount,
                               tempo=tempo, **common)
    rain = next((p for p in plan.particles if p.kind == "rain"), None)
    density = rain.density if rain is not None else 0.5
    return Ripples.build(image, scene.masks["water"], horizon=scene.horizon, density=density, amount=amount, tempo=tempo, **common)


def draw_lights(lights: Sequence[LightEffect], frame: np.ndarray, index: int, pose: CameraPose | None) -> None:
    for light in lights:
        light.draw(frame, index, pose)
