"""Light rays through gaps ("sunbeams through the trees", "god rays"), from the photo's own light.

The rays start where the photo's sky or the gaps in its trees are brightest:
the sun, or bright sky seen through leaves or a gap in clouds (the emitter:
the brightest tenth of the sky and gap pixels of the upper frame, when that
is near white). Their source point is the emitter's centroid weighted
towards its very brightest pixels. A radial blur of the emitter away from
that point (the emitter, scaled about the source by 1 .. 1 - `REACH` and
summed with a decay: the standard screen-space "god rays" pass) draws a
shaft of light wherever a gap lets the emitter through and leaves shade where
leaves or a ridge block it; the emitter itself gets nothing added. In time
the rays breathe: an angular pattern of brighter and dimmer shafts sways by a
few degrees and the whole slowly brightens and dims, closed-form in t, faded
in from frame 0.

No emitter (nothing near white in the upper frame, or the whole picture
bright, e.g. a scan of a page) means no rays, and a note.

Cost: the ray map is built once at the scene's working size; per frame, one
lookup and multiply at that size, then one warp to full size (the pose and
the upscale together) and an add.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stillmotion.engines.motion.camera import CameraPose
from stillmotion.engines.motion.noise import rng_for
from stillmotion.engines.motion.timing import fade_envelope, smootherstep, whole_cycles

MIN_LEVEL = 215.0
"""An emitter is at least this bright (0..255, brightest channel): sun, white sky, a lit window."""
EMITTER_ROWS = 0.75
"""Light comes from above: the emitter lies in the top 75% of the frame."""
MIN_AREA, MAX_AREA = 0.0005, 0.35
"""The emitter covers 0.05%..35% of the frame: less is a glint (twinkle's), more leaves no shade
for a ray to cross."""
GAP_WINDOW = 9
"""A bright pixel with leaves over 30% of the 9x9 working pixels around it is a gap in the trees."""
SOURCE_RADIUS = 0.3
"""Light comes from about 30% of the frame width around the source (a Gaussian falloff): a sun and the sky around it,
not every bright cloud, so what stands in that light casts shafts across the rest."""
STEPS = 48
REACH = 0.97
"""The radial blur samples the emitter almost all the way back to the source."""
DECAY = 0.985
FALLOFF = 0.6
"""Ray brightness is the blur's share of emitter to this power: shafts reach across the frame
instead of dying within a few gap widths."""
RAY_LEVEL = 70.0
"""Levels (0..255) a ray adds at its brightest, at normal strength."""
FADE_SECONDS = 1.0
"""Rays come up more slowly than particles: light, not objects."""
ANGULAR_TERMS = ((5, 9), (9, 15), (15, 24))
"""Whole-turn frequencies of the shaft pattern: a few broad shafts and finer streaks between."""
SWAY_RADIANS = 0.035
"""How far (about 2 degrees) the shaft pattern sways either way."""
BREATH_SECONDS = (5.0, 9.0)
TABLE_BINS = 2048


def emitter_map(small: np.ndarray, sky: np.ndarray, foliage: np.ndarray) -> np.ndarray:
    """The emitter, a float32 0..1 mask at the size of `small` (RGB uint8, the scene's working
    copy, with its sky and foliage masks): the brightest tenth of the sky and of the gaps between
    leaves, when that is near white; all zeros when the photo has no such light."""
    value = small.max(axis=2).astype(np.float32)
    height = value.shape[0]
    leafy = cv2.blur((foliage >= 0.5).astype(np.float32), (GAP_WINDOW, GAP_WINDOW)) >= 0.3
    open_to_light = (sky >= 0.3) | leafy
    open_to_light[int(EMITTER_ROWS * height):] = False
    if not open_to_light.any():
        return np.zeros_like(value)
    level = max(MIN_LEVEL, float(np.quantile(value[open_to_light], 0.9)))
    emitter = np.asarray(smootherstep((value - (level - 20.0)) / 20.0), np.float32) * open_to_light
    area = float(emitter.mean())
    if area < MIN_AREA or area > MAX_AREA:
        return np.zeros_like(emitter)
    return emitter


def source_point(emitter: np.ndarray, small: np.ndarray) -> tuple[float, float]:
    """Where the rays come from (x, y at the emitter's size): its centroid, weighted towards the
    very brightest pixels so that the sun, when it is in frame, is the source."""
    value = small.max(axis=2).astype(np.float64) / 255.0
    weight = emitter * value**16
    total = float(weight.sum()) or 1.0
    ys, xs = np.mgrid[0 : emitter.shape[0], 0 : emitter.shape[1]]
    return float((xs * weight).sum() / total), float((ys * weight).sum() / total)


def ray_map(emitter: np.ndarray, source: tuple[float, float]) -> np.ndarray:
    """The rays' brightness 0..1 at the emitter's size: its radial blur away from `source`,
    nothing on the emitter itself."""
    height, width = emitter.shape
    sx, sy = source
    total = np.zeros_like(emitter)
    weight_sum = 0.0
    for k in range(STEPS):
        f = 1.0 - REACH * k / STEPS
        # Output p samples the emitter at s + (p - s) f: the light from further towards the source.
        warp = np.array([[f, 0.0, sx * (1.0 - f)], [0.0, f, sy * (1.0 - f)]], np.float64)
        total += DECAY**k * cv2.warpAffine(emitter, warp, (width, height), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                                           borderMode=cv2.BORDER_CONSTANT)
        weight_sum += DECAY**k
    rays = (total / weight_sum) ** FALLOFF * (1.0 - emitter)
    peak = float(rays.max())
    return (rays / peak).astype(np.float32) if peak > 0 else rays


@dataclass
class LightRays:
    """The rays of one photo over one clip, drawn on finished frames."""

    rays: np.ndarray
    """(h, w) float32 0..1 at the working size, in the photo's coordinates."""
    angle_bins: np.ndarray
    """(h, w) int32: each pixel's direction from the source, in `TABLE_BINS` bins of a turn."""
    colour: np.ndarray  # (3,) RGB levels at full brightness
    terms: np.ndarray  # (k, 3): whole-turn frequency, phase, sway phase
    sway_hz: float
    breath_hz: float
    breath_phase: float
    width: int
    height: int
    fps: int
    num_frames: int
    loop: bool
    kind: str = "rays"

    @classmethod
    def build(
        cls, image: np.ndarray, emitter: np.ndarray, *, amount: float, tempo: float, fps: int, num_frames: int,
        loop: bool, seed: int,
    ) -> LightRays | None:
        """None when `emitter` (the scene's "rays" mask) is empty."""
        if float(emitter.max()) <= 0.0:
            return None
        height, width = image.shape[:2]
        size = (emitter.shape[1], emitter.shape[0])
        small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
        source = source_point(emitter, small)
        ys, xs = np.mgrid[0 : size[1], 0 : size[0]].astype(np.float32)
        near = np.exp(-((np.hypot(xs - source[0], ys - source[1]) / (SOURCE_RADIUS * size[0])) ** 2))
        rays = ray_map(cv2.GaussianBlur(emitter * near, (0, 0), 1.0), source)
        rays *= 1.0 - cv2.GaussianBlur(emitter, (0, 0), 2.0)  # none on the bright sky itself
        # Added light shows in shade and is lost on what is already near white; blurred, so the
        # coarse layer carries no copy of the photo's detail.
        rays *= cv2.GaussianBlur(1.0 - 0.6 * small.max(axis=2).astype(np.float32) / 255.0, (0, 0), 3.0)
        angle = np.arctan2(ys - source[1], xs - source[0])
        bins = ((angle + np.pi) / (2.0 * np.pi) * TABLE_BINS).astype(np.int32) % TABLE_BINS
        lit = emitter > 0.5
        tint = small[lit].mean(axis=0) if lit.any() else np.full(3, 255.0)
        colour = (0.5 * tint / max(float(tint.max()), 1.0) + 0.5 * np.array([1.0, 0.94, 0.82])) * RAY_LEVEL * amount
        rng = rng_for(seed, "light_rays")
        terms = np.array([[rng.integers(low, high), rng.uniform(0, 2 * np.pi), rng.uniform(0, 2 * np.pi)]
                          for low, high in ANGULAR_TERMS], np.float64)
        duration = num_frames / fps
        sway_hz, breath_hz = whole_cycles(tempo / rng.uniform(*BREATH_SECONDS, 2), duration, loop)
        return cls(
            rays=rays, angle_bins=bins, colour=colour.astype(np.float32), terms=terms, sway_hz=float(sway_hz),
            breath_hz=float(breath_hz), breath_phase=float(rng.uniform(0, 2 * np.pi)), width=width,
            height=height, fps=fps, num_frames=num_frames, loop=loop,
        )

    def layer(self, index: int) -> np.ndarray | None:
        """The light the rays add at frame `index` (uint8 RGB at the working size), None at rest."""
        opacity = fade_envelope(index, self.fps, self.num_frames, self.loop, FADE_SECONDS)
        if opacity <= 0.0:
            return None
        t = index / self.fps
        turn = np.linspace(-np.pi, np.pi, TABLE_BINS, endpoint=False)
        pattern = np.zeros(TABLE_BINS)
        for cycles, phase, sway_phase in self.terms:
            sway = SWAY_RADIANS * np.sin(2.0 * np.pi * self.sway_hz * t + sway_phase)
            pattern += np.sin(cycles * (turn + sway) + phase)
        shafts = 0.5 + 0.5 * pattern / len(self.terms)  # 0..1: dim gaps between bright shafts
        breath = 0.8 + 0.2 * np.sin(2.0 * np.pi * self.breath_hz * t + self.breath_phase)
        table = (0.2 + 0.8 * shafts**2).astype(np.float32) * np.float32(breath * opacity)
        light = np.take(table, self.angle_bins)
        light *= self.rays
        # One saturating, rounding pass to uint8 RGB (numpy's per-channel float temporaries cost ~4x).
        return cv2.multiply(cv2.merge([light, light, light]), (*self.colour.tolist(), 0.0), dtype=cv2.CV_8U)

    def draw(self, frame: np.ndarray, index: int, pose: CameraPose | None) -> None:
        """Add the rays to `frame` (RGB uint8, in place), carried by the camera like the far scene:
        one warp takes the working-size layer through the pose and up to full size at once."""
        light = self.layer(index)
        if light is None:
            return
        cv2.add(frame, cv2.warpAffine(light, self._to_layer(pose, light.shape), (self.width, self.height),
                                      flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE),
                dst=frame)

    def _to_layer(self, pose: CameraPose | None, shape: tuple[int, ...]) -> np.ndarray:
        """2x3 frame pixel -> working-size layer pixel: the pose's output->source affine, then
        the half-pixel-centred scaling `cv2.resize` uses."""
        affine = pose.affine(self.width, self.height) if pose is not None else np.eye(2, 3)
        scale = np.array([[shape[1] / self.width], [shape[0] / self.height]])
        to_layer = affine * scale
        to_layer[:, 2] += 0.5 * scale[:, 0] - 0.5
        return to_layer

    def footprint(self, index: int) -> np.ndarray:
        """Where the rays fall (bool, image size): a quarter of their peak or more."""
        big = cv2.resize(self.rays, (self.width, self.height), interpolation=cv2.INTER_LINEAR)
        return big >= 0.25 * float(big.max())
