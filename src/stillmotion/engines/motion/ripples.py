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
Cost: one small patch per visible ring (~40 at 1080p), ~2 ms per frame.
"""

from __future__ import annotations

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
    reach_x, reach_y = int(radius) + line + 2, int(radius * flatten) + line + 2
    cx, cy = on_screen
    x0, y0 = max(0, int(cx) - reach_x), max(0, int(cy) - reach_y)
    x1, y1 = min(width, int(cx) + reach_x + 1), min(height, int(cy) + reach_y + 1)
    if x0 >= x1 or y0 >= y1:
        return
    shift = 4
    one = 1 << shift
    centre = (round((cx - x0) * one), round((cy - y0) * one))
    rim = np.zeros((y1 - y0, x1 - x0), np.uint8)
    trough = np.zeros_like(rim)
    cv2.ellipse(rim, centre, (round(radius * one), round(radius * flatten * one)), 0, 0, 360, 255, line,
                cv2.LINE_AA, shift)
    inner = 0.72 * radius
    cv2.ellipse(trough, centre, (round(inner * one), round(inner * flatten * one)), 0, 0, 360, 255, line,
                cv2.LINE_AA, shift)
    rim, trough = cv2.GaussianBlur(rim, (3, 3), 0), cv2.GaussianBlur(trough, (3, 3), 0)  # a wave, not a line
    # The water under the ring, read where the ring sits in the photo (the pose only moves it).
    wx0, wy0 = int(at[0]) - (int(cx) - x0), int(at[1]) - (int(cy) - y0)
    wet = _window(water, wx0, wy0, x1 - x0, y1 - y0)
    change = (rim.astype(np.float32) - 0.6 * trough.astype(np.float32)) * (level / 255.0) * wet
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    roi += change[..., None]
    frame[y0:y1, x0:x1] = np.clip(roi, 0.0, 255.0).astype(np.uint8)


def _window(field: np.ndarray, x0: int, y0: int, width: int, height: int) -> np.ndarray:
    """field[y0:y0+height, x0:x0+width], zero where it falls outside."""
    out = np.zeros((height, width), np.float32)
    fx0, fy0 = max(0, x0), max(0, y0)
    fx1, fy1 = min(field.shape[1], x0 + width), min(field.shape[0], y0 + height)
    if fx0 < fx1 and fy0 < fy1:
        out[fy0 - y0 : fy1 - y0, fx0 - x0 : fx1 - x0] = field[fy0:fy1, fx0:fx1]
    return out
