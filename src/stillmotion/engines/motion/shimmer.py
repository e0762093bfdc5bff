"""Heat shimmer: a small refractive wobble above flames or along a hot horizon (`anchors.heat_band`).

Hot air bends light by a pixel or two in cells that rise quickly. The
effect is a displacement field: two layers of fine tiling noise (one per
axis, flatter than wide, as shimmer streaks lie) rising through the band
as a closed-form function of t, weighted by the band and applied to the
finished picture. Nothing is added or coloured: the picture itself ripples,
as it does over a road. The renderer folds the displacement into the one
warp that makes the frame (each coarse cell samples where the cell it is
displaced to samples), so the shimmer costs a few coarse-grid passes, not a
second resampling of the band; `draw` remaps a finished frame's band window
for frames made otherwise.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stillmotion.engines.motion.atmosphere import core, sample_field, scene_points
from stillmotion.engines.motion.camera import CameraPose
from stillmotion.engines.motion.fields import FieldGrid, window
from stillmotion.engines.motion.particles import FADE_SECONDS
from stillmotion.engines.motion.plan import RegionEffect
from stillmotion.engines.motion.scale import REFERENCE_WIDTH, strength_gain
from stillmotion.engines.motion.tiling_noise import TilingNoise
from stillmotion.engines.motion.timing import fade_envelope

AMPLITUDE = 3.0
"""Largest displacement, px at 1080p, at strength 0.5: a visible wobble that never tears an edge."""
RISE = 70.0
"""Upward speed of the hot cells, px/s at 1080p."""
MIN_SHIFT = 0.05
"""Displacements under 1/20 px change no pixel: cells under it are left alone."""


@dataclass
class Shimmer:
    kind: str
    grid: FieldGrid
    fps: int
    num_frames: int
    loop: bool
    band: np.ndarray
    """Where it shimmers, 0..1 at scene resolution."""
    amplitude: float
    rise: float
    across: TilingNoise
    along: TilingNoise
    nearness: float

    @classmethod
    def build(
        cls, effect: RegionEffect, band: np.ndarray, grid: FieldGrid, *, depth: np.ndarray | None, fps: int,
        num_frames: int, loop: bool, seed: int, speed: float, strength: float, focus: float | None,
    ) -> Shimmer:
        scale = grid.width / REFERENCE_WIDTH
        duration = num_frames / fps
        # Cells ~40 px wide and ~20 px tall at 1080p: coarse enough for the 8-px field grid.
        across = TilingNoise.draw(seed, "shimmer.x", (3.2 * scale, 1.6 * scale), high=10.0)
        along = TilingNoise.draw(seed, "shimmer.y", (3.2 * scale, 1.6 * scale), high=10.0)
        rise = RISE * scale * effect.speed * speed
        if loop:
            rise = across.whole_tiles((0.0, rise), duration)[1]
        gain = (effect.strength / 0.5) * strength_gain(strength)
        nearness = 0.0
        if focus is not None and depth is not None:
            nearness = focus - float((depth * band).sum() / max(float(band.sum()), 1e-6))
        return cls(
            kind=effect.kind, grid=grid, fps=fps, num_frames=num_frames, loop=loop, band=band,
            amplitude=AMPLITUDE * scale * gain, rise=rise, across=across, along=along, nearness=nearness,
        )

    def shifts(self, x: np.ndarray, y: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Displacement (px) at photo points (x, y), time t (before the fade-in)."""
        weight = self.amplitude * sample_field(self.band, x, y, self.grid.width, self.grid.height)
        dx, dy = np.zeros_like(weight), np.zeros_like(weight)
        where = window(weight >= MIN_SHIFT)
        if where is None:
            return dx, dy
        weight, x, y = weight[where], x[where], y[where]
        shift = (0.0, -self.rise * t)
        dx[where] = weight * self.across.sample(x, y, shift)
        dy[where] = 0.5 * weight * self.along.sample(x, y, shift)
        return dx, dy

    def screen_shifts(self, index: int, pose: CameraPose | None) -> tuple[np.ndarray, np.ndarray] | None:
        """Frame `index`'s displacement (px, faded in) of each coarse output cell: the cell shows
        what the frame without the shimmer shows that far away; None while nothing moves a pixel."""
        fade = fade_envelope(index, self.fps, self.num_frames, self.loop, FADE_SECONDS)
        if fade <= 0.0:
            return None
        x, y = scene_points(self.grid, pose, self.nearness)
        dx, dy = self.shifts(x, y, index / self.fps)
        dx *= np.float32(fade)
        dy *= np.float32(fade)
        if not (np.maximum(np.abs(dx), np.abs(dy)) >= MIN_SHIFT).any():
            return None
        return dx, dy

    def draw(self, frame: np.ndarray, index: int, pose: CameraPose | None) -> None:
        """The shimmer applied to a finished frame, by one remap of the band's window. The renderer
        folds `screen_shifts` into its own warp instead (`render.FrameRenderer`); this serves a
        frame drawn some other way (the still photo `visibility.measure_added` measures on)."""
        shifts = self.screen_shifts(index, pose)
        if shifts is None:
            return
        dx, dy = shifts
        roi = self.grid.cell_box(np.maximum(np.abs(dx), np.abs(dy)) >= MIN_SHIFT, margin=1)
        if roi is None:
            return
        x0, y0, x1, y1 = roi
        map_x = self.grid.grow(self.grid.small_xs + dx, roi)
        map_y = self.grid.grow(self.grid.small_ys + dy, roi)
        frame[y0:y1, x0:x1] = cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT_101)

    def footprint(self, index: int) -> np.ndarray:
        """Where the effect can show (bool, frame size, frame 0's coordinates): the core of its anchor."""
        return core(cv2.resize(self.band, (self.grid.width, self.grid.height), interpolation=cv2.INTER_LINEAR))
