"""Fog and mist drifting low over the ground, the water or the far distance (`anchors.fog_bed`).

The fog is an opacity field: the bed (where fog lies, thicker with distance,
so it lowers contrast with depth as real haze does) times a density that
drifts sideways, two layers of wide, flat tiling noise moving at different
speeds (banks and the thinner wisps over them, closed-form in t). It is
blended toward a pale colour taken from the photo's own light under the bed,
so fog at dusk is not a cold grey sheet. It sits at the bed's mean depth for
the camera, so a move carries it with the distance it lies in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from stillmotion.engines.motion.atmosphere import ALPHA_FLOOR, core, draw_veil, sample_field, scene_points
from stillmotion.engines.motion.camera import CameraPose
from stillmotion.engines.motion.fields import FieldGrid, window
from stillmotion.engines.motion.plan import RegionEffect
from stillmotion.engines.motion.scale import REFERENCE_WIDTH, strength_gain
from stillmotion.engines.motion.tiling_noise import TilingNoise
from stillmotion.engines.motion.timing import smootherstep

OPACITY = 0.55
"""Opacity of the thickest fog at strength 0.5: the far ground is veiled, never erased."""
DRIFT = 22.0
"""Banks drift this many px/s at 1080p (wisps 1.7x as fast): slow, as low fog moves."""
PALE = 0.65
"""The fog's colour: this share of a soft white, the rest the photo's mean colour under the bed."""
WHITE = np.array([232.0, 234.0, 236.0])
_DIRECTIONS = {"left": -1.0, "right": 1.0}


@dataclass
class Fog:
    kind: str
    grid: FieldGrid
    fps: int
    num_frames: int
    loop: bool
    bed: np.ndarray
    """Where the fog lies, 0..1 at scene resolution."""
    opacity: float
    drift: tuple[float, float]
    """Sideways px/s of the banks and of the wisps."""
    banks: TilingNoise
    wisps: TilingNoise
    nearness: float
    colour: tuple[int, int, int]

    @classmethod
    def build(
        cls, effect: RegionEffect, bed: np.ndarray, image: np.ndarray, grid: FieldGrid, *, depth: np.ndarray | None,
        fps: int, num_frames: int, loop: bool, seed: int, speed: float, strength: float, focus: float | None,
    ) -> Fog:
        width, height = grid.width, grid.height
        duration = num_frames / fps
        # Banks a third of the frame wide and flat; wisps a third of that.
        banks = TilingNoise.draw(seed, "fog.banks", (width / 160.0, height / 220.0), high=10.0)
        wisps = TilingNoise.draw(seed, "fog.wisps", (width / 420.0, height / 500.0), high=14.0)
        sign = _DIRECTIONS.get(effect.direction or "", 1.0)
        speed_px = DRIFT * (width / REFERENCE_WIDTH) * effect.speed * speed * sign
        drift = (speed_px, 1.7 * speed_px)
        if loop:
            drift = (banks.whole_tiles((drift[0], 0.0), duration)[0], wisps.whole_tiles((drift[1], 0.0), duration)[0])
        gain = (effect.strength / 0.5) * strength_gain(strength)
        small = cv2.resize(image, (bed.shape[1], bed.shape[0]), interpolation=cv2.INTER_AREA).astype(np.float64)
        mean = (small * bed[..., None]).sum(axis=(0, 1)) / max(float(bed.sum()), 1e-6)
        colour = PALE * WHITE + (1.0 - PALE) * mean
        nearness = 0.0
        if focus is not None and depth is not None:
            nearness = focus - float((depth * bed).sum() / max(float(bed.sum()), 1e-6))
        return cls(
            kind=effect.kind, grid=grid, fps=fps, num_frames=num_frames, loop=loop, bed=bed,
            opacity=float(np.clip(OPACITY * gain, 0.1, 0.85)), drift=drift, banks=banks, wisps=wisps,
            nearness=nearness, colour=(int(colour[0]), int(colour[1]), int(colour[2])),
        )

    def opacity_at(self, x: np.ndarray, y: np.ndarray, t: float) -> np.ndarray:
        """Opacity 0..1 at photo points (x, y), time t (before the fade-in)."""
        bed = sample_field(self.bed, x, y, self.grid.width, self.grid.height)
        alpha = np.zeros_like(bed)
        where = window(bed * self.opacity >= ALPHA_FLOOR)
        if where is None:
            return alpha
        bed, x, y = bed[where], x[where], y[where]
        density = 0.7 * self.banks.sample(x, y, (self.drift[0] * t, 0.0))
        density += 0.4 * self.wisps.sample(x, y, (self.drift[1] * t, 0.0))
        alpha[where] = self.opacity * bed * (0.3 + 0.7 * smootherstep((density + 1.6) / 3.2))
        return alpha

    def draw(self, frame: np.ndarray, index: int, pose: CameraPose | None) -> None:
        draw_veil(self, frame, index, pose)

    def footprint(self, index: int) -> np.ndarray:
        """Where the effect can show (bool, frame size, frame 0's coordinates): the core of its anchor."""
        return core(cv2.resize(self.bed, (self.grid.width, self.grid.height), interpolation=cv2.INTER_LINEAR))
