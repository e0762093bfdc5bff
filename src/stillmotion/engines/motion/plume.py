"""Steam and smoke rising from a source the scene analysis found (`anchors.plume_source`).

A plume is an opacity field over the photo, closed-form in t: a column that
starts at the source, widens as it rises and fades out at the top, bent by a
sway that travels up it (a slow sine in t minus height, so a bend born at the
source climbs), and broken into wisps by two layers of tiling noise rising at
different speeds through the column (`tiling_noise.py`). The noise is sampled
in the bent column's own coordinates, so wisps follow the bends. Steam is a
soft white and smoke a grey, each blended toward by the opacity (a screen-like
lift on dark ground, a veil on light). Pixels the depth proxy puts clearly in
front of the source are not covered: the plume rises behind what is nearer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from stillmotion.engines.motion.anchors import Source
from stillmotion.engines.motion.atmosphere import ALPHA_FLOOR, core, draw_veil, sample_field, scene_points
from stillmotion.engines.motion.camera import CameraPose
from stillmotion.engines.motion.fields import FieldGrid, window
from stillmotion.engines.motion.noise import rng_for
from stillmotion.engines.motion.plan import RegionEffect
from stillmotion.engines.motion.scale import REFERENCE_WIDTH, strength_gain
from stillmotion.engines.motion.tiling_noise import TilingNoise
from stillmotion.engines.motion.timing import smootherstep


@dataclass(frozen=True)
class PlumeStyle:
    colour: tuple[int, int, int]
    opacity: float
    """Peak opacity of the densest wisp at strength 0.5."""
    rise: float
    """Upward speed of the wisps, px/s at 1080p."""
    sway_hz: float


STYLES: dict[str, PlumeStyle] = {
    "steam": PlumeStyle(colour=(244, 244, 242), opacity=0.85, rise=60.0, sway_hz=0.22),
    "smoke": PlumeStyle(colour=(112, 112, 116), opacity=0.75, rise=45.0, sway_hz=0.15),
}
HEIGHT_PER_WIDTH = 3.5
"""A plume rises about this many source widths before it thins out..."""
HEIGHT_RANGE = (0.25, 0.7)
"""...but at least and at most this share of the frame's height."""
MIN_HALF_WIDTH = 0.015
"""Narrowest plume base, fraction of the frame's width (a speck of a source still steams visibly)."""
LEAN = 0.35
"""A named direction leans the top of the plume this many plume heights sideways."""
OCCLUSION_DEPTH = (0.04, 0.1)
"""Pixels nearer than the source by more than the first (depth units, 0..1) start to hide the plume,
fully by the first plus the second."""
BODY = 0.2
"""Share of the column's opacity that is an even veil; the rest comes and goes with the wisps."""
_LEANS = {"left": -1.0, "right": 1.0}


@dataclass
class Plume:
    kind: str
    grid: FieldGrid
    fps: int
    num_frames: int
    loop: bool
    origin: tuple[float, float]
    """The source, full-resolution px of the photo."""
    half_width: float
    height: float
    opacity: float
    lean: float
    """Sideways px at the top of the plume (signed)."""
    sway: float
    """Sway amplitude in px at the top."""
    sway_hz: float
    phase: float
    rise: tuple[float, float]
    """Upward speed of the coarse and the fine wisps, px/s."""
    coarse: TilingNoise
    fine: TilingNoise
    depth: np.ndarray | None
    source_depth: float
    nearness: float
    colour: tuple[int, int, int]

    @classmethod
    def build(
        cls, effect: RegionEffect, source: Source, grid: FieldGrid, *, depth: np.ndarray | None, fps: int,
        num_frames: int, loop: bool, seed: int, speed: float, strength: float, focus: float | None,
    ) -> Plume:
        style = STYLES[effect.kind]
        width, height = grid.width, grid.height
        scale = width / REFERENCE_WIDTH
        duration = num_frames / fps
        half = max(source.width / 2.0, MIN_HALF_WIDTH) * width
        rise_height = float(np.clip(HEIGHT_PER_WIDTH * 2.0 * half, HEIGHT_RANGE[0] * height, HEIGHT_RANGE[1] * height))
        rng = rng_for(seed, f"plume.{effect.kind}")
        # Wisps about a quarter of the base wide and three times as tall: rising tendrils.
        coarse = TilingNoise.draw(seed, f"plume.{effect.kind}.coarse", (half / 24.0, half / 8.0), high=12.0)
        fine = TilingNoise.draw(seed, f"plume.{effect.kind}.fine", (half / 40.0, half / 14.0), high=12.0)
        tempo = effect.speed * speed
        rise = style.rise * scale * tempo
        rises = (rise, 1.6 * rise)
        if loop:
            rises = (coarse.whole_tiles((0.0, rises[0]), duration)[1], fine.whole_tiles((0.0, rises[1]), duration)[1])
        sway_hz = style.sway_hz * tempo
        if loop:
            sway_hz = max(1.0, round(sway_hz * duration)) / duration
        gain = (effect.strength / 0.5) * strength_gain(strength)
        return cls(
            kind=effect.kind, grid=grid, fps=fps, num_frames=num_frames, loop=loop,
            origin=(source.x * width - 0.5, source.y * height - 0.5), half_width=half, height=rise_height,
            opacity=float(np.clip(style.opacity * gain, 0.1, 0.9)),
            lean=_LEANS.get(effect.direction or "", 0.0) * LEAN * rise_height,
            sway=1.2 * half, sway_hz=sway_hz, phase=float(rng.uniform(0.0, 2.0 * np.pi)),
            rise=rises, coarse=coarse, fine=fine, depth=depth, source_depth=source.depth,
            nearness=0.0 if focus is None else focus - source.depth, colour=style.colour,
        )

    def shape(self, x: np.ndarray, y: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
        """The column's envelope at photo points (x, y) and time t, and x in the bent column's frame."""
        ox, oy = self.origin
        h = np.clip((oy - y) / self.height, -0.2, 1.5)
        up = np.maximum(h, 0.0)
        bend = self.lean * up**1.5 + self.sway * up * np.sin(2.0 * np.pi * (self.sway_hz * t - 0.9 * up) + self.phase)
        across = x - ox - bend
        half = self.half_width * (0.45 + 0.9 * up)
        lateral = np.exp(-((across / half) ** 2))
        vertical = smootherstep(h / 0.08) * np.clip(1.0 - h, 0.0, 1.0) ** 1.3
        return (lateral * vertical).astype(np.float32), across.astype(np.float32)

    def opacity_at(self, x: np.ndarray, y: np.ndarray, t: float) -> np.ndarray:
        """Opacity 0..1 of the plume at photo points (x, y), time t (before the fade-in)."""
        column, across = self.shape(x, y, t)
        alpha = np.zeros_like(column)
        where = window(column * self.opacity >= ALPHA_FLOOR)
        if where is None:
            return alpha
        column, across, x, y = column[where], across[where], x[where], y[where]
        wisps = 0.65 * self.coarse.sample(across, y, (0.0, -self.rise[0] * t))
        wisps += 0.45 * self.fine.sample(across, y, (0.0, -self.rise[1] * t))
        density = column * (BODY + (1.0 - BODY) * smootherstep((wisps + 0.3) / 1.3))
        if self.depth is not None:
            nearer = self.source_depth - sample_field(self.depth, x, y, self.grid.width, self.grid.height)
            density *= 1.0 - smootherstep((nearer - OCCLUSION_DEPTH[0]) / OCCLUSION_DEPTH[1])
        alpha[where] = self.opacity * density
        return alpha

    def draw(self, frame: np.ndarray, index: int, pose: CameraPose | None) -> None:
        draw_veil(self, frame, index, pose)

    def footprint(self, index: int) -> np.ndarray:
        """Where the effect can show (bool, frame size, frame 0's coordinates): the core of its anchor."""
        column, _ = self.shape(self.grid.small_xs, self.grid.small_ys, 0.0)
        return core(self.grid.grow(column))

