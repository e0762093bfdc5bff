"""Region animation in source coordinates: flowing water, drifting clouds, swaying
foliage, flickering fire and light. Everything is a function of (seed, t) and the identity at t = 0.

* Flow (water, sky, fire's rise): one constant velocity field per region
  (Holynski et al. 2021: a single static Eulerian field carries fluids
  convincingly), advected with Valve's two-phase flow map (Vlachos 2010): two
  copies displaced by v * T * (phase - 1/2), phases half a period apart,
  cross-faded so each copy is invisible when its phase wraps. At t = 0 copy A
  has phase 1/2 (no displacement) and full weight, so frame 0 is the image.
  Looping clips use a period that divides the clip, so the seam is exact.
* Swell (water): the flow runs on a clock that speeds up and slows down with a
  slow swell, 0.4x..1.6x of its mean speed; the same swell is the `water` audio
  curve, so the sound of the waves rises as the water visibly moves faster. One
  clock drives all two-phase flow (a second clock would need two more copies),
  so fire named beside water swells with it.
* Sway (foliage): a smooth displacement that grows with height above the
  region's base, phased by two seeded spatial noise fields.
* Gain (fire flicker, light glow): multiplicative luminance noise.

Fields live on the coarse grid, in source coordinates. The animator does not
resample the image itself: it hands the renderer displacement fields (one per
flow copy) and a gain field, which the renderer folds into the camera's own
warp, so each frame is resampled once (twice where a two-phase flow runs).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from stillmotion.engines.motion.fields import FieldGrid, smooth_noise_field
from stillmotion.engines.motion.noise import SmoothSignal, rng_for
from stillmotion.engines.motion.plan import RegionEffect
from stillmotion.engines.motion.scale import REFERENCE_WIDTH, strength_gain
from stillmotion.engines.motion.structures import flow_exclusion, rigid_cells


@dataclass(frozen=True)
class RegionStyle:
    """How one region kind moves at strength 0.5, speed 1."""

    mask: str
    flow_speed: float = 0.0  # px/s along the direction
    direction: tuple[float, float] = (1.0, 0.0)
    turbulence: float = 0.0  # sideways noise, fraction of flow_speed
    sway: float = 0.0  # px at the top of the region
    flicker: float = 0.0  # luminance gain amplitude
    flicker_hz: tuple[float, float] = (0.5, 2.0)
    glow_radius: float = 0.0  # fraction of width over which flicker lights the surroundings
    drift: bool = False
    """Translate steadily instead of two-phase flow when the clip does not loop: a crawling
    sky has no texture that hides the flow map's cross-fade, which reads as a slow pulse."""


STYLES: dict[str, RegionStyle] = {
    # Clouds crawl: ~0.6% of the width per second.
    "sky": RegionStyle(mask="sky", flow_speed=12.0, direction=(1.0, 0.0), turbulence=0.15, drift=True),
    # Water shimmers along its flow with some cross-chop.
    "water": RegionStyle(mask="water", flow_speed=24.0, direction=(1.0, 0.0), turbulence=0.5),
    "foliage": RegionStyle(mask="foliage", sway=7.0),
    "fire": RegionStyle(
        mask="fire", flow_speed=40.0, direction=(0.0, -1.0), turbulence=0.8, flicker=0.22,
        flicker_hz=(1.5, 5.0), glow_radius=0.04,
    ),
    "light": RegionStyle(mask="light", flicker=0.12, flicker_hz=(0.2, 1.2), glow_radius=0.02),
}
RIGID_AWARE = ("sky",)
"""Flows that sample across their region's edge and so would drag what stands in front along.
Water's two-phase flow travels half a period either way and its mask is read weakly; stopping it
short of every shore would still it on a small lake, so it keeps its feathered mask."""
FLOW_PERIOD_SECONDS = 4.0
"""Two-phase period: displacement peaks at v*T/2, e.g. 48 px for water at 1080p; longer periods
ghost visibly, shorter ones pulse."""
SWELL_SECONDS = 4.0
"""Period of the water's swell: lake chop and small waves come every few seconds."""
SWELL_FLOOR = 0.4
"""Flow speed in the lull of a swell, relative to the mean; the crest runs at 2 - 0.4 = 1.6x."""
_DIRECTIONS = {"left": (-1.0, 0.0), "right": (1.0, 0.0), "up": (0.0, -1.0), "down": (0.0, 1.0)}


@dataclass
class RegionAnimator:
    grid: FieldGrid
    fps: int
    num_frames: int
    loop: bool
    period: float
    flow: np.ndarray | None = None  # coarse (h, w, 2) px/s, advected two-phase
    drift: np.ndarray | None = None  # coarse (h, w, 2) px/s, translated steadily
    sway_fields: list[tuple[np.ndarray, np.ndarray, SmoothSignal, SmoothSignal]] = field(default_factory=list)
    """Per foliage region: amplitude x cos(phase), amplitude x sin(phase) and the two gust signals."""
    gains: list[tuple[np.ndarray, SmoothSignal, np.ndarray]] = field(default_factory=list)
    kinds: tuple[str, ...] = ()
    curves: dict[str, np.ndarray] = field(default_factory=dict)
    swell_period: float | None = None
    """Seconds per swell of the flow clock (water named), or None: the flow runs steadily."""

    @classmethod
    def build(
        cls,
        effects: tuple[RegionEffect, ...],
        masks: dict[str, np.ndarray],
        grid: FieldGrid,
        *,
        speed: float,
        strength: float,
        fps: int,
        num_frames: int,
        loop: bool,
        seed: int,
        image: np.ndarray | None = None,
    ) -> RegionAnimator | None:
        """`image`: the frame-sized photo, so flows stop short of structures in front of their
        region that the coarse mask half-covers (`structures.py`); without it, of the mask's edge."""
        duration = num_frames / fps
        period = _flow_period(duration, loop)
        animator = cls(grid=grid, fps=fps, num_frames=num_frames, loop=loop, period=period)
        scale = grid.width / REFERENCE_WIDTH
        flow = np.zeros((grid.small_height, grid.small_width, 2), np.float32)
        drift = np.zeros_like(flow)
        u = np.arange(num_frames) / (num_frames if loop else max(num_frames - 1, 1))
        for index, effect in enumerate(effects):
            if effect.kind not in STYLES:
                continue  # drawn on the frame, not moved in it (`added_effects.py`)
            style = STYLES[effect.kind]
            mask = _mask_for(style, masks, grid)
            if mask is None:
                continue
            rng = rng_for(seed, f"region.{effect.kind}.{index}")
            if effect.kind == "water":
                animator.swell_period = _fit_period(SWELL_SECONDS, duration, loop)
            amount = (effect.strength / 0.5) * strength_gain(strength)
            tempo = effect.speed * speed
            if style.flow_speed:
                direction = _DIRECTIONS.get(effect.direction or "", style.direction)
                velocity = style.flow_speed * scale * amount * tempo
                noise = smooth_noise_field(rng, mask.shape, cells=8) * style.turbulence
                side = (-direction[1], direction[0])
                drifting = style.drift and not loop
                target = drift if drifting else flow
                if effect.kind in RIGID_AWARE:
                    travel = velocity * (duration if drifting else period / 2.0)
                    mask = _clear_of_structures(
                        mask, rigid_cells(image, masks[style.mask], grid), direction, travel / grid.divisor,
                        symmetric=not drifting, sideways=style.turbulence,
                    )
                target[..., 0] += mask * velocity * (direction[0] + side[0] * noise)
                target[..., 1] += mask * velocity * (direction[1] + side[1] * noise)
            if style.sway:
                animator.sway_fields.append(_sway_field(mask, rng, style.sway * scale * amount, duration, loop))
            if style.flicker:
                animator.gains.append(_gain_field(mask, rng, style, amount, duration, loop, grid))
            animator.kinds += (effect.kind,)
            animator.curves.update(_audio_curve(effect.kind, animator, u))
        if not animator.kinds:
            return None
        if np.abs(flow).max() > 0:
            animator.flow = flow
        if np.abs(drift).max() > 0:
            animator.drift = drift
        return animator

    def fields(self, index: int) -> RegionFields | None:
        """The regions' displacement and gain at frame `index`; None at rest (frame 0)."""
        if index == 0:
            return None
        t = index / self.fps
        u = index / (self.num_frames if self.loop else max(self.num_frames - 1, 1))
        shift_x, shift_y = self._sway(u)
        if self.drift is not None:
            # Backward sampling: the content now at p came from p - v * t.
            shift_x = shift_x - self.drift[..., 0] * t
            shift_y = shift_y - self.drift[..., 1] * t
        gain = self._gain(u)
        if self.flow is None:
            return RegionFields(shifts=((shift_x, shift_y),), weights=(1.0,), gain=gain)
        clock = t if self.swell_period is None else flow_clock(t, self.swell_period)
        phase_a = (clock / self.period + 0.5) % 1.0
        phase_b = (clock / self.period) % 1.0
        weight_a = 1.0 - abs(2.0 * phase_a - 1.0)
        shifts = []
        for phase in (phase_a, phase_b):
            travel = self.period * (phase - 0.5)
            shifts.append((shift_x - self.flow[..., 0] * travel, shift_y - self.flow[..., 1] * travel))
        return RegionFields(shifts=tuple(shifts), weights=(weight_a, 1.0 - weight_a), gain=gain)

    def _sway(self, u: float) -> tuple[np.ndarray, np.ndarray]:
        dx = np.zeros((self.grid.small_height, self.grid.small_width), np.float32)
        dy = np.zeros_like(dx)
        for cos_part, sin_part, signal_a, signal_b in self.sway_fields:
            a = float(signal_a(u) - signal_a(0.0))
            b = float(signal_b(u) - signal_b(0.0))
            dx += a * cos_part + b * sin_part
            dy += 0.15 * (b * cos_part - a * sin_part)
        return dx, dy

    def _gain(self, u: float) -> np.ndarray | None:
        if not self.gains:
            return None
        gain = np.ones((self.grid.small_height, self.grid.small_width), np.float32)
        for mask, signal, spatial in self.gains:
            value = float(signal(u) - signal(0.0))
            gain += mask * value * (1.0 + 0.5 * spatial)
        return gain


@dataclass(frozen=True)
class RegionFields:
    """One frame of region motion on the coarse grid, in source coordinates."""

    shifts: tuple[tuple[np.ndarray, np.ndarray], ...]
    """Per copy: (dx, dy) to add to where each pixel samples from; one copy, or two for flow."""
    weights: tuple[float, ...]
    """Cross-fade weight of each copy (they sum to 1)."""
    gain: np.ndarray | None
    """Multiplicative luminance (1 = unchanged), or None."""


def swell(t: np.ndarray, period: float) -> np.ndarray:
    """0..1 swell at times t: 0 in the lull (and at t = 0), 1 at the crest."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * t / period)


def flow_clock(t: float, period: float) -> float:
    """Flow time elapsed at t when the flow's speed is SWELL_FLOOR + 2 (1 - SWELL_FLOOR) swell(t).

    The closed-form integral of that speed: a whole number of swells adds up to exactly
    the clip's own time, so a looping clip's flow still meets its start at the seam.
    """
    omega = 2.0 * np.pi / period
    return t - (1.0 - SWELL_FLOOR) * float(np.sin(omega * t)) / omega


def _fit_period(nominal: float, duration: float, loop: bool) -> float:
    """`nominal`, or for a loop the nearest period that fits a whole number of times in the clip."""
    if not loop:
        return nominal
    return duration / max(1, round(duration / nominal))


def _flow_period(duration: float, loop: bool) -> float:
    # Two-phase advection repeats every half period: a loop fits a whole number of those.
    return 2.0 * _fit_period(FLOW_PERIOD_SECONDS / 2.0, duration, loop)


def _mask_for(style: RegionStyle, masks: dict[str, np.ndarray], grid: FieldGrid) -> np.ndarray | None:
    mask = masks.get(style.mask)
    if mask is None:
        return None
    small = np.clip(grid.shrink(mask), 0.0, 1.0)
    if float(small.max()) < 0.1:
        return None
    # Feather so motion fades to zero at the region's edge instead of tearing it.
    return cv2.GaussianBlur(small, (0, 0), 1.0)


def _clear_of_structures(
    mask: np.ndarray, rigid: np.ndarray, direction: tuple[float, float], reach: float, *, symmetric: bool,
    sideways: float,
) -> np.ndarray:
    """`mask` with the flow switched off wherever its samples could reach something rigid."""
    excluded = flow_exclusion(rigid, direction, reach, symmetric)
    side = int(np.ceil(sideways * reach))
    if side > 0:
        excluded = cv2.dilate(excluded, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * side + 1, 2 * side + 1)))
    return mask * (1.0 - excluded)


def _sway_field(
    mask: np.ndarray, rng: np.random.Generator, amplitude: float, duration: float, loop: bool
) -> tuple[np.ndarray, np.ndarray, SmoothSignal, SmoothSignal]:
    """Amplitude map growing with height above each column's lowest foliage pixel, split by a
    seeded spatial phase into cos and sin parts (computed once, not per frame)."""
    rows = np.arange(mask.shape[0], dtype=np.float32)[:, None]
    present = mask > 0.3
    base = np.where(present.any(axis=0), mask.shape[0] - 1 - np.argmax(present[::-1], axis=0), 0)
    top = np.where(present.any(axis=0), np.argmax(present, axis=0), 0)
    span = np.maximum(base - top, 1).astype(np.float32)
    height = np.clip((base[None, :] - rows) / span[None, :], 0.0, 1.0)
    height = cv2.GaussianBlur(height.astype(np.float32), (0, 0), 2.0)
    phase = (smooth_noise_field(rng, mask.shape, cells=6) * np.pi).astype(np.float32)
    # Gusts: a few sways per second would be a shiver; 0.3-0.8 Hz reads as wind in branches.
    signal_a = SmoothSignal.draw(rng, 0.3 * duration, 0.8 * duration, 3, loop)
    signal_b = SmoothSignal.draw(rng, 0.3 * duration, 0.8 * duration, 3, loop)
    amplitudes = (amplitude * mask * height**1.5).astype(np.float32)
    return amplitudes * np.cos(phase), amplitudes * np.sin(phase), signal_a, signal_b


def _gain_field(
    mask: np.ndarray, rng: np.random.Generator, style: RegionStyle, amount: float, duration: float, loop: bool,
    grid: FieldGrid,
) -> tuple[np.ndarray, SmoothSignal, np.ndarray]:
    reach = style.glow_radius * grid.small_width
    glow = cv2.GaussianBlur(mask, (0, 0), reach) if reach > 0.5 else mask
    weight = np.maximum(mask, 0.6 * glow / max(float(glow.max()), 1e-6))
    low, high = (hz * duration for hz in style.flicker_hz)
    signal = SmoothSignal.draw(rng, low, high, 4, loop)
    spatial = smooth_noise_field(rng, mask.shape, cells=10)
    return (style.flicker * amount * weight).astype(np.float32), signal, spatial


def _audio_curve(kind: str, animator: RegionAnimator, u: np.ndarray) -> dict[str, np.ndarray]:
    """What the sound follows: water its swell, fire its flicker, wind the sway."""
    if kind == "water" and animator.swell_period is not None:
        frame_times = np.arange(animator.num_frames) / animator.fps  # the clock `fields()` runs on
        return {"water": swell(frame_times, animator.swell_period).astype(np.float32)}
    if kind == "fire" and animator.gains:
        _, signal, _ = animator.gains[-1]
        values = signal(u)
        return {"fire": (0.5 + 0.5 * values / max(signal.peak(), 1e-6)).astype(np.float32)}
    if kind == "foliage" and animator.sway_fields:
        _, _, a, b = animator.sway_fields[-1]
        return {"wind": np.clip(np.hypot(a(u), b(u)) / max(a.peak(), 1e-6), 0.0, 1.0).astype(np.float32)}
    return {}


HIGHLIGHT_QUANTILE = 0.97
"""Lamps, windows and the sun's glint are the brightest few percent of a photo."""


LIGHT_REACH = 0.04
"""A lamp's glow reaches this share of the frame's long side around its point."""


def lamp_mask(rgb: np.ndarray, points: np.ndarray, flames: np.ndarray | None) -> np.ndarray:
    """Where lights glow and flicker (float32 0..1 at the size of `rgb`, the scene's working
    copy): the bright pixels around a light the scene analysis found, a point light in the dark
    (`twinkle.point_light_map`) or sure flames, out to `LIGHT_REACH`. The brightest pixels of a
    daylit photo are its white surfaces: flickering them under "the headlights flicker"
    (skimage's motorcycle in a garage: the tank, the shelves, the boxes) was a false success."""
    sources = points > 0
    if flames is not None:
        sources |= flames >= 0.5
    if not sources.any():
        return np.zeros(points.shape, np.float32)
    radius = max(1, round(LIGHT_REACH * max(points.shape)))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    near = cv2.GaussianBlur(cv2.dilate(sources.astype(np.float32), kernel), (0, 0), radius / 2)
    value = rgb.max(axis=2).astype(np.float32) / 255.0
    floor = float(np.median(value))
    bright = np.clip((value - floor) / max(1.0 - floor, 1e-3), 0.0, 1.0)
    return np.clip(2.0 * bright * near, 0.0, 1.0).astype(np.float32)


def highlight_mask(image: np.ndarray) -> np.ndarray:
    """Soft mask of the image's brightest pixels, for "light flicker/glow" when the scene says
    nothing of its lights (a scene built by hand; `analyze_scene` gives `lamp_mask`)."""
    small = cv2.resize(image, (max(2, image.shape[1] // 8), max(2, image.shape[0] // 8)), interpolation=cv2.INTER_AREA)
    value = small.max(axis=2).astype(np.float32)
    threshold = float(np.quantile(value, HIGHLIGHT_QUANTILE))
    mask = np.clip((value - threshold) / max(255.0 - threshold, 1.0) * 2.0, 0.0, 1.0)
    return cv2.GaussianBlur(mask, (0, 0), 1.5)
