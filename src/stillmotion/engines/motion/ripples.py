"""Rain ripples on water: rings that spread and fade where drops hit the water the scene found.

Rain streaks are particles (`particles.py`); this is what the rain does to the
water below them. A fixed number of drop "slots" (more for heavier rain) each
repeat on their own period: at the start of a cycle a drop lands at a site
drawn from the water mask, and its ring grows (fast, then slowing) and fades.
A ring is a bright rim (the sky caught on the wave's crest) with a darker
trough inside it, squashed vertically by the water's perspective: flat near
the horizon, rounder at the bottom of the frame, and larger there too. Each
ring is multiplied by the water mask, so it never spills onto the shore.

Closed-form in t (slot, cycle -> site through a fixed table), loop-safe (whole
cycles per clip, the site table repeats with the loop), faded in from frame 0.
Cost: one small cached patch per visible ring (~70 in heavy rain at 1080p), ~2 ms per frame.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import cv2
import numpy as np

from stillmotion.engines.motion.camera import CameraPose
from stillmotion.engines.motion.noise import rng_for
from stillmotion.engines.motion.scale import REFERENCE_WIDTH
from stillmotion.engines.motion.timing import fade_envelope, whole_cycles

SLOTS = 48
"""Rings alive at once at density 0.5 on a 1080p frame."""
PERIOD_SECONDS = (0.8, 1.5)
"""How long one ring lives before its slot drops the next."""
RADIUS = 34.0
"""A ring's final radius (px at 1080p) at the bottom of the frame; it shrinks towards the horizon."""
FLATTEN = (0.22, 0.55)
"""A ring's height over its width near the horizon and at the bottom of the frame."""
RIM_LEVEL = 26.0
"""Levels (0..255) the rim brightens a new ring at normal strength; the trough dims 60% of that."""
MAX_AMOUNT = 1.5
"""Heavier rain makes more rings, not brighter ones: past this a ring reads as drawn."""
FAR_SIZE = 0.15
"""A ring at the horizon is this fraction of one at the bottom of the frame."""
TROUGH = 0.72
"""The trough runs at this fraction of the rim's radius."""
SITES = 512
WATER_CORE = 0.5
FADE_SECONDS = 0.5


@dataclass
class Ripples:
    """Rain rings on one photo's water over one clip."""

    sites: np.ndarray  # (SITES, 2) x, y in image pixels, on the water
    water: np.ndarray  # (h, w) float32 0..1 at the image size
    period: np.ndarray  # (slots,) s
    phase: np.ndarray  # (slots,) 0..1
    offset: np.ndarray  # (slots,) int: where each slot starts in the site table
    horizon: float  # y (px) where the water meets the far shore: rings there are smallest
    level: float
    width: int
    height: int
    fps: int
    num_frames: int
    loop: bool
    kind: str = "ripples"

    @classmethod
    def build(
        cls, image: np.ndarray, water: np.ndarray, *, horizon: float, density: float, amount: float, tempo: float,
        fps: int, num_frames: int, loop: bool, seed: int,
    ) -> Ripples | None:
        """`water`: the scene's water mask (any size); `horizon`: the scene's, as a fraction of the
        height (rings shrink towards it); None when the water mask has no core."""
        height, width = image.shape[:2]
        big = cv2.resize(water, (width, height), interpolation=cv2.INTER_LINEAR)
        core = big >= WATER_CORE * max(float(big.max()), 1e-6)
        if float(big.max()) < WATER_CORE or not core.any():
            return None
        rng = rng_for(seed, "ripples")
        ys, xs = np.nonzero(core)
        picks = rng.integers(0, len(xs), SITES)
        sites = np.stack([xs[picks], ys[picks]], axis=1).astype(np.float64) + rng.uniform(-0.5, 0.5, (SITES, 2))
        slots = max(6, int(SLOTS * (density / 0.5) * np.sqrt(width * height / (1920.0 * 1080.0))))
        duration = num_frames / fps
        hz = whole_cycles(tempo / rng.uniform(*PERIOD_SECONDS, slots), duration, loop)
        return cls(
            sites=sites, water=big.astype(np.float32), period=1.0 / hz, phase=rng.uniform(0, 1, slots),
            offset=rng.integers(0, SITES, slots), horizon=min(horizon * height, float(ys.min())),
            level=RIM_LEVEL * min(amount, MAX_AMOUNT), width=width, height=height, fps=fps, num_frames=num_frames, loop=loop,
        )

    def rings(self, index: int) -> list[tuple[float, float, float, float, float]]:
        """(x, y, radius, flatten, strength) of each ring alive at frame `index`, in image pixels."""
        t = index / self.fps
        clock = t / self.period + self.phase
        cycle = np.floor(clock).astype(np.int64)
        if self.loop:
            cycle %= np.maximum(1, np.round(self.num_frames / self.fps / self.period)).astype(np.int64)
        age = clock - np.floor(clock)
        site = self.sites[(self.offset + cycle * 97) % SITES]
        depth = np.clip((site[:, 1] - self.horizon) / max(self.height - self.horizon, 1.0), 0.0, 1.0)
        scale = self.width / REFERENCE_WIDTH
        radius = RADIUS * scale * (FAR_SIZE + (1.0 - FAR_SIZE) * depth) * np.sqrt(age)
        flatten = FLATTEN[0] + (FLATTEN[1] - FLATTEN[0]) * depth
        strength = (1.0 - age) ** 1.5 * np.clip(age * 8.0, 0.0, 1.0)
        return [tuple(row) for row in np.stack([site[:, 0], site[:, 1], radius, flatten, strength], axis=1).tolist()]

    def draw(self, frame: np.ndarray, index: int, pose: CameraPose | None) -> None:
        """Add the rings alive at frame `index` to `frame` (RGB uint8, in place)."""
        opacity = fade_envelope(index, self.fps, self.num_frames, self.loop, FADE_SECONDS)
        if opacity <= 0.0:
            return
        rings = self.rings(index)
        centres = np.array([(x, y) for x, y, *_ in rings], np.float64).reshape(-1, 2)
        magnification = np.ones(len(rings))
        if pose is not None:
            centres, magnification = pose.on_screen(centres, np.zeros(len(rings)), self.width, self.height)
        line = max(1, round(1.5 * self.width / REFERENCE_WIDTH))
        for (x, y, radius, flatten, strength), (sx, sy), mag in zip(rings, centres.tolist(), magnification.tolist()):
            if strength * opacity < 0.02 or radius < 1.0:
                continue
            _ring(frame, self.water, (x, y), (sx, sy), radius * mag, flatten, self.level * strength * opacity, line)

    def footprint(self, index: int) -> np.ndarray:
        """Where rings are at frame `index` (bool, image size): the ellipses they span."""
        mask = np.zeros((self.height, self.width), np.uint8)
        for x, y, radius, flatten, strength in self.rings(index):
            if strength > 0.02 and radius >= 1.0:
                axes = (max(1, round(radius)), max(1, round(radius * flatten)))
                cv2.ellipse(mask, (round(x), round(y)), axes, 0, 0, 360, 1, -1)
        return mask.astype(bool) & (self.water >= WATER_CORE)


def _ring(
    frame: np.ndarray, water: np.ndarray, at: tuple[float, float], on_screen: tuple[float, float], radius: float,
    flatten: float, level: float, line: int,
) -> None:
    """One ring: a bright rim and a dark trough just inside it, on the water only. `at` is where
    the water mask is read (image pixels), `on_screen` where the ring is drawn."""
    height, width = frame.shape[:2]
    cx, cy = on_screen
    ix, iy = int(np.floor(cx)), int(np.floor(cy))
    sprite = _ring_sprite(round(radius * 4), round(flatten * 20), round((cx - ix) * 2), round((cy - iy) * 2), line)
    reach_y, reach_x = sprite.shape[0] // 2, sprite.shape[1] // 2
    x0, y0 = max(0, ix - reach_x), max(0, iy - reach_y)
    x1, y1 = min(width, ix + reach_x + 1), min(height, iy + reach_y + 1)
    if x0 >= x1 or y0 >= y1:
        return
    cut = sprite[y0 - (iy - reach_y) : y1 - (iy - reach_y), x0 - (ix - reach_x) : x1 - (ix - reach_x)]
    # The water under the ring, read where the ring sits in the photo (the pose only moves it).
    wet = _window(water, int(at[0]) - (ix - x0), int(at[1]) - (iy - y0), x1 - x0, y1 - y0)
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    roi += (cut * wet * np.float32(level))[..., None]
    frame[y0:y1, x0:x1] = np.clip(roi, 0.0, 255.0).astype(np.uint8)


@functools.lru_cache(maxsize=8192)
def _ring_sprite(radius_q: int, flatten_q: int, half_x: int, half_y: int, line: int) -> np.ndarray:
    """A ring's profile (float32, rim +1, trough -0.6) for a radius in quarter pixels, a flattening
    in twentieths and a centre offset in half pixels: cached, since rings grow through the same
    sizes again and again (drawing each with `cv2.ellipse` cost ~75 us, the bulk of a frame's rings)."""
    radius, flatten = max(radius_q / 4.0, 0.5), max(flatten_q / 20.0, 0.05)
    width = 0.6 * line
    reach_x = int(radius + 3 * width) + 2
    reach_y = int(radius * flatten + 3 * width) + 2
    xs = np.arange(-reach_x, reach_x + 1, dtype=np.float32) - half_x / 2.0
    ys = np.arange(-reach_y, reach_y + 1, dtype=np.float32) - half_y / 2.0
    distance = np.sqrt(xs[None, :] ** 2 + (ys[:, None] / flatten) ** 2)  # along the major axis
    rim = np.exp(-0.5 * ((distance - radius) / width) ** 2)
    trough = np.exp(-0.5 * ((distance - TROUGH * radius) / width) ** 2)
    return (rim - 0.6 * trough).astype(np.float32)


def _window(field: np.ndarray, x0: int, y0: int, width: int, height: int) -> np.ndarray:
    """field[y0:y0+height, x0:x0+width], zero where it falls outside."""
    out = np.zeros((height, width), np.float32)
    fx0, fy0 = max(0, x0), max(0, y0)
    fx1, fy1 = min(field.shape[1], x0 + width), min(field.shape[0], y0 + height)
    if fx0 < fx1 and fy0 < fy1:
        out[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0] = field[fy0:fy1, fx0:fx1]
    return out
