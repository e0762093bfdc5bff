"""Does a region effect visibly move anything? Measured on rendered frames, not on the plan.

A plan can name clouds on a clear blue sky or sway on foliage the detector
barely found: the numbers say "12 px/s" and the picture shows nothing, because
moving a smooth gradient changes no pixel. So each region effect is rendered
alone, camera still, on a small copy of the photo at a few instants of the clip,
and what counts is how much the picture in its region actually changes: the mean
absolute luminance change over the region's pixels at the instant it is largest.
An effect below `VISIBLE_CHANGE` is reported as not rendered and left out.
The added effects (steam, smoke, fog, heat shimmer) are measured the same way,
drawn alone over the still photo, in the region their anchor gives them.

Cost: a few 480-px frames per effect (~5-20 ms), once per task.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stillmotion.engines.motion.camera import CameraPath, build_camera_path
from stillmotion.engines.motion.fields import FieldGrid
from stillmotion.engines.motion.anchors import ATMOSPHERE_KINDS
from stillmotion.engines.motion.overlays import build_overlays
from stillmotion.engines.motion.plan import CameraMove, MotionPlan, RegionEffect
from stillmotion.engines.motion.regions import RegionAnimator
from stillmotion.engines.motion.render import FrameRenderer
from stillmotion.engines.motion.scene import SceneAnalysis

PROBE_WIDTH = 480
"""The probe's width: the region fields scale with the frame, so motion in a small copy
changes its pixels about as much as in the full frame (textures shrink with it)."""
PROBE_INSTANTS = (0.25, 0.5, 0.75, 1.0)
"""Fractions of the clip at which the probe renders (two-phase flow peaks between wraps)."""
VISIBLE_CHANGE = 1.5
"""Mean luminance change (0..255) over the region below which its motion does not show:
below x264's CRF 18 noise on a still ground, and under what an eye picks out at 1080p."""
REGION_CORE = 0.5
"""The region is where its mask reaches half its peak (a light mask peaks below 1)."""


@dataclass(frozen=True)
class Visibility:
    kind: str
    change: float
    """Mean absolute luminance change over the region at its largest instant (0..255)."""

    @property
    def visible(self) -> bool:
        return self.change >= VISIBLE_CHANGE


def measure_regions(
    image: np.ndarray, plan: MotionPlan, masks: dict[str, np.ndarray], *, fps: int, num_frames: int, seed: int,
    scene: SceneAnalysis | None = None,
) -> list[Visibility]:
    """How much each of the plan's region effects changes the picture in its own region
    (`scene`: where the added effects are anchored; without it they have no place and measure 0)."""
    if not plan.regions:
        return []
    height, width = image.shape[:2]
    scale = min(1.0, PROBE_WIDTH / width)
    size = (max(2, round(width * scale)), max(2, round(height * scale)))
    small = cv2.resize(image, size, interpolation=cv2.INTER_AREA) if scale < 1.0 else image
    grid = FieldGrid.for_size(*size)
    still = build_camera_path(
        CameraMove("static", None, 0.0, 0.0), speed=1.0, strength=plan.strength, smoothing=plan.smoothing,
        loop=plan.loop, num_frames=num_frames, fps=fps, width=size[0], height=size[1], seed=seed,
    )
    gray0 = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY).astype(np.int16)
    out = []
    for effect in plan.regions:
        if effect.kind in ATMOSPHERE_KINDS:
            change = _added_change(effect, plan, scene, small, gray0, grid, still, fps, num_frames, seed)
        else:
            change = _change(effect, plan, masks, small, gray0, grid, still, fps, num_frames, seed)
        out.append(Visibility(effect.kind, change))
    return out


def _added_change(
    effect: RegionEffect, plan: MotionPlan, scene: SceneAnalysis | None, small: np.ndarray, gray0: np.ndarray,
    grid: FieldGrid, still: CameraPath, fps: int, num_frames: int, seed: int,
) -> float:
    overlays = build_overlays(
        (effect,), scene, small, grid, fps=fps, num_frames=num_frames, loop=plan.loop, seed=seed, speed=plan.speed,
        strength=plan.strength, focus=None,
    )
    if not overlays:
        return 0.0
    region = overlays[0].region()
    renderer = FrameRenderer(small, still, grid, overlays=overlays)
    return _largest_change(renderer, region >= REGION_CORE * float(region.max()), gray0, num_frames)


def _change(
    effect: RegionEffect, plan: MotionPlan, masks: dict[str, np.ndarray], small: np.ndarray, gray0: np.ndarray,
    grid: FieldGrid, still: CameraPath, fps: int, num_frames: int, seed: int,
) -> float:
    animator = RegionAnimator.build(
        (effect,), masks, grid, speed=plan.speed, strength=plan.strength, fps=fps, num_frames=num_frames,
        loop=plan.loop, seed=seed, image=small,
    )
    mask = masks.get(effect.kind)
    if animator is None or mask is None:
        return 0.0
    region = cv2.resize(mask, (small.shape[1], small.shape[0]), interpolation=cv2.INTER_LINEAR)
    region = region >= REGION_CORE * float(region.max())
    if not region.any():
        return 0.0
    renderer = FrameRenderer(small, still, grid, None, animator, None)
    return _largest_change(renderer, region, gray0, num_frames)


def _largest_change(renderer: FrameRenderer, region: np.ndarray, gray0: np.ndarray, num_frames: int) -> float:
    """The mean absolute luminance change over `region` at the probe instant where it is largest."""
    if not region.any():
        return 0.0
    largest = 0.0
    for fraction in PROBE_INSTANTS:
        index = min(num_frames - 1, max(1, round(fraction * (num_frames - 1))))
        gray = cv2.cvtColor(renderer.render(index), cv2.COLOR_RGB2GRAY).astype(np.int16)
        largest = max(largest, float(np.abs(gray - gray0)[region].mean()))
    return largest
