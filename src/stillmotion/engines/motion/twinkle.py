"""Twinkle and glint on the photo's own point lights: stars, lamps, specular sparks.

A point light is a small peak much brighter than what surrounds it: a white
top-hat (the image less its morphological opening by a disc larger than a
point) keeps exactly such peaks, a local-maximum test picks one pixel per
peak, and a check that the ring around it is dark rejects the bright texture
of a daylit surface. Sub-pixel centres come from the peak's intensity moments.

Each source then scintillates on its own seeded clock (two sinusoids, 0.6-2.4
Hz, as air turbulence makes a star's brightness wander): its core brightens
and dims, and at its brightest a thin four-armed glint (the cross a lens's
diffraction draws on a bright point) flares and fades. Everything is drawn on
the finished frame at the source's place through the camera pose, closed-form
in t, faded in from frame 0 like the particles.

Cost: found once per task (~10 ms at 1080p); per frame, one small patch per
source (at most `MAX_SOURCES`), ~2 ms at 1080p.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stillmotion.engines.motion.camera import CameraPose
from stillmotion.engines.motion.noise import rng_for
from stillmotion.engines.motion.scale import REFERENCE_WIDTH
from stillmotion.engines.motion.timing import fade_envelope, whole_cycles

MAX_SOURCES = 80
"""The brightest this many sources twinkle: a star field reads as twinkling long before every
faint speck does, and the per-frame cost grows with the count."""
MIN_CONTRAST = 45.0
"""A peak must stand this many levels (0..255) above the opening of its neighbourhood."""
MIN_LEVEL = 120.0
"""...and be at least this bright: a dim speck is noise or texture, not a light."""
DARK_SURROUND = 0.5
"""Nothing on the ring around a point light (one to two discs' radii out) is brighter than this
fraction of the peak: a light alone in the dark, not a bright grain of a lit wall, nor a point
of a bright line (a lattice, a wire, a rim) that the top-hat keeps too."""
CANDIDATES = 3000
"""Peaks ring-tested, strongest first (bounds the cost on a busy photo)."""
RING_SAMPLES = 24
POINT_DISC = 11
"""Diameter (px at 1080p) of the opening disc: anything narrower that is bright is a point."""
SPACING = 10.0
"""Least distance (px at 1080p) between two sources: one glint per light."""
FADE_SECONDS = 0.5
SCINTILLATION = 0.55
"""How far a source's core brightens or dims at the top of its swing, relative to its contrast."""
GLINT_LENGTH = 26.0
"""Arm length (px at 1080p) of the brightest source's glint; fainter ones draw shorter arms."""
GLINT_FROM = 0.25
"""The glint shows only while the twinkle is above this fraction of its swing."""
TWINKLE_HZ = (0.6, 2.4)


@dataclass(frozen=True)
class PointLights:
    """The point lights of one image, in its pixel coordinates."""

    centres: np.ndarray  # (n, 2) float x, y
    contrast: np.ndarray  # (n,) 0..1: top-hat height / 255
    radius: np.ndarray  # (n,) px: the core's Gaussian sigma
    colour: np.ndarray  # (n, 3) 0..1 RGB, brightest channel 1

    def __len__(self) -> int:
        return len(self.centres)


def find_point_lights(image: np.ndarray) -> PointLights:
    """The image's point lights (RGB uint8), brightest first, at most `MAX_SOURCES`."""
    height, width = image.shape[:2]
    scale = width / REFERENCE_WIDTH
    red, green, blue = cv2.split(image)
    gray = cv2.max(cv2.max(red, green), blue)  # a coloured lamp is as bright as its brightest channel
    disc = max(5, int(round(POINT_DISC * scale)) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (disc, disc))  # separable: ~10x a disc's speed
    tophat = cv2.morphologyEx(gray, cv2.MORPH_TOPHAT, kernel)
    peak = gray == cv2.dilate(gray, np.ones((3, 3), np.uint8))
    chosen = peak & (tophat >= MIN_CONTRAST) & (gray >= MIN_LEVEL)
    ys, xs = np.nonzero(chosen)
    order = np.argsort(-tophat[ys, xs].astype(np.int32), kind="stable")[:CANDIDATES]
    ys, xs = ys[order], xs[order]
    alone = _dark_ring(gray, xs, ys, disc) <= DARK_SURROUND * gray[ys, xs]
    ys, xs = ys[alone], xs[alone]
    picks = _spaced(np.stack([xs, ys], axis=1).astype(np.float64), SPACING * max(scale, 0.25))
    ys, xs = ys[picks], xs[picks]
    centres, radii, colours = [], [], []
    half = disc // 2
    for x, y in zip(xs.tolist(), ys.tolist()):
        x0, x1, y0, y1 = max(0, x - half), min(width, x + half + 1), max(0, y - half), min(height, y + half + 1)
        patch = tophat[y0:y1, x0:x1].astype(np.float64)
        weight = np.clip(patch - 0.5 * patch.max(), 0.0, None)
        total = float(weight.sum()) or 1.0
        py, px = np.mgrid[y0:y1, x0:x1]
        cx, cy = float((px * weight).sum() / total), float((py * weight).sum() / total)
        # The core's extent from the area above half its height: a Gaussian's FWHM area is ~4.5 sigma^2.
        radii.append(max(0.7 * max(scale, 0.5), float(np.sqrt(np.count_nonzero(weight) / 4.5))))
        centres.append((cx, cy))
        rgb = image[y, x].astype(np.float64) + 1.0
        colours.append(0.5 + 0.5 * rgb / rgb.max())  # halfway to white: glints are whiter than their light
    n = len(centres)
    return PointLights(
        centres=np.array(centres, np.float64).reshape(n, 2),
        contrast=tophat[ys, xs].astype(np.float64) / 255.0,
        radius=np.array(radii, np.float64),
        colour=np.array(colours, np.float64).reshape(n, 3),
    )


def point_light_map(image: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The point lights as a (h, w) float32 mask at the scene's working size: each source's
    contrast at its pixel, 0 elsewhere (what the planner asks: is there anything to twinkle?)."""
    height, width = image.shape[:2]
    lights = find_point_lights(image)
    out = np.zeros(shape, np.float32)
    if len(lights):
        col = np.clip((lights.centres[:, 0] + 0.5) * shape[1] / width, 0, shape[1] - 1).astype(int)
        row = np.clip((lights.centres[:, 1] + 0.5) * shape[0] / height, 0, shape[0] - 1).astype(int)
        np.maximum.at(out, (row, col), np.clip(lights.contrast * 4.0, 0.0, 1.0).astype(np.float32))
    return out


def _dark_ring(gray: np.ndarray, xs: np.ndarray, ys: np.ndarray, disc: int) -> np.ndarray:
    """The brightest pixel on two rings (radii one and two disc radii) around each (x, y)."""
    height, width = gray.shape
    angles = np.linspace(0.0, 2.0 * np.pi, RING_SAMPLES, endpoint=False)
    ring = np.concatenate([np.stack([np.cos(angles), np.sin(angles)], axis=1) * r for r in (disc / 2.0, float(disc))])
    cols = np.clip(np.round(xs[:, None] + ring[None, :, 0]), 0, width - 1).astype(int)
    rows = np.clip(np.round(ys[:, None] + ring[None, :, 1]), 0, height - 1).astype(int)
    return gray[rows, cols].max(axis=1) if len(xs) else np.zeros(0, gray.dtype)


def _spaced(points: np.ndarray, spacing: float) -> np.ndarray:
    """Indices of `points` (ordered by priority) with no earlier kept point within `spacing`,
    at most `MAX_SOURCES`."""
    kept: list[int] = []
    for index, point in enumerate(points):
        if len(kept) >= MAX_SOURCES:
            break
        if kept and float(np.min(np.sum((points[kept] - point) ** 2, axis=1))) < spacing * spacing:
            continue
        kept.append(index)
    return np.array(kept, dtype=int)


@dataclass
class Twinkle:
    """The twinkle of one image's point lights over one clip."""

    lights: PointLights
    nearness: np.ndarray
    """(n,) the camera's r = focus - depth at each light, so a glint rides with its pixel."""
    hz: np.ndarray  # (n, 2)
    phase: np.ndarray  # (n, 2)
    weight: np.ndarray  # (n, 2), rows sum to 1
    amount: float
    width: int
    height: int
    fps: int
    num_frames: int
    loop: bool
    kind: str = "twinkle"

    @classmethod
    def build(
        cls, image: np.ndarray, *, nearness_at: np.ndarray | None, amount: float, tempo: float, fps: int,
        num_frames: int, loop: bool, seed: int,
    ) -> Twinkle | None:
        """None when the image has no point light. `nearness_at`: (h, w) r = focus - depth over the
        image (None: drawn flat); `amount`: 1 is the normal strength; `tempo` scales the twinkle rate."""
        lights = find_point_lights(image)
        if not len(lights):
            return None
        height, width = image.shape[:2]
        rng = rng_for(seed, "twinkle")
        n = len(lights)
        hz = whole_cycles(rng.uniform(*TWINKLE_HZ, (n, 2)) * tempo, num_frames / fps, loop)
        weight = rng.uniform(0.3, 1.0, (n, 2))
        nearness = np.zeros(n)
        if nearness_at is not None:
            rows = np.clip(lights.centres[:, 1] * nearness_at.shape[0] / height, 0, nearness_at.shape[0] - 1)
            cols = np.clip(lights.centres[:, 0] * nearness_at.shape[1] / width, 0, nearness_at.shape[1] - 1)
            nearness = nearness_at[rows.astype(int), cols.astype(int)].astype(np.float64)
        return cls(
            lights=lights, nearness=nearness, hz=hz, phase=rng.uniform(0.0, 2.0 * np.pi, (n, 2)),
            weight=weight / weight.sum(axis=1, keepdims=True), amount=amount, width=width, height=height,
            fps=fps, num_frames=num_frames, loop=loop,
        )

    def swing(self, index: int) -> np.ndarray:
        """(n,) each source's twinkle at frame `index`, -1..1 scaled by the fade-in (0 at frame 0)."""
        t = index / self.fps
        wave = (self.weight * np.sin(2.0 * np.pi * self.hz * t + self.phase)).sum(axis=1)
        return wave * fade_envelope(index, self.fps, self.num_frames, self.loop, FADE_SECONDS)

    def draw(self, frame: np.ndarray, index: int, pose: CameraPose | None) -> None:
        """Brighten/dim each core and flare its glint on `frame` (RGB uint8, in place)."""
        swing = self.swing(index)
        if not swing.any():
            return
        centres, magnification = self.lights.centres, np.ones(len(self.lights))
        if pose is not None:
            centres, magnification = pose.on_screen(centres, self.nearness, self.width, self.height)
        scale = self.width / REFERENCE_WIDTH
        core_k = SCINTILLATION * self.amount * swing
        glint_k = np.clip((swing - GLINT_FROM) / (1.0 - GLINT_FROM), 0.0, 1.0) ** 2 * self.amount
        for i in np.flatnonzero(np.abs(core_k) > 0.01):
            sigma = self.lights.radius[i] * magnification[i]
            arm = GLINT_LENGTH * scale * magnification[i] * np.sqrt(self.lights.contrast[i]) if glint_k[i] > 0 else 0.0
            _stamp(frame, centres[i], sigma, arm, 255.0 * self.lights.contrast[i], self.lights.colour[i],
                   float(core_k[i]), float(glint_k[i]), max(0.6, 0.5 * scale * magnification[i]))

    def footprint(self, index: int) -> np.ndarray:
        """Where the twinkle acts (bool, image size): a disc around each light."""
        mask = np.zeros((self.height, self.width), np.uint8)
        for (x, y), sigma in zip(self.lights.centres.tolist(), self.lights.radius.tolist()):
            cv2.circle(mask, (round(x), round(y)), max(2, round(2.5 * sigma)), 1, -1)
        return mask.astype(bool)


def _stamp(
    frame: np.ndarray, centre: np.ndarray, sigma: float, arm: float, contrast: float, colour: np.ndarray,
    core_k: float, glint_k: float, arm_width: float,
) -> None:
    """One source's change: its core scaled by 1 + core_k (dimming multiplies, brightening adds a
    Gaussian of its own contrast) plus, when glint_k > 0, a cross of arms of length `arm`."""
    height, width = frame.shape[:2]
    reach = int(np.ceil(max(3.0 * sigma, arm))) + 1
    cx, cy = float(centre[0]), float(centre[1])
    x0, x1 = max(0, int(cx) - reach), min(width, int(cx) + reach + 2)
    y0, y1 = max(0, int(cy) - reach), min(height, int(cy) + reach + 2)
    if x0 >= x1 or y0 >= y1:
        return
    dx = np.arange(x0, x1) - cx
    dy = np.arange(y0, y1) - cy
    gx, gy = np.exp(-0.5 * (dx / sigma) ** 2), np.exp(-0.5 * (dy / sigma) ** 2)
    core = np.outer(gy, gx)
    roi = frame[y0:y1, x0:x1].astype(np.float32)
    if core_k < 0:
        roi *= (1.0 + core_k * core)[..., None].astype(np.float32)
        light = np.zeros(core.shape)
    else:
        light = core_k * contrast * core
    if glint_k > 0 and arm > 0:
        thin_x, thin_y = np.exp(-0.5 * (dx / arm_width) ** 2), np.exp(-0.5 * (dy / arm_width) ** 2)
        fall_x, fall_y = np.exp(-3.0 * np.abs(dx) / arm), np.exp(-3.0 * np.abs(dy) / arm)
        light = light + glint_k * contrast * (np.outer(thin_y, fall_x) + np.outer(fall_y, thin_x))
    roi += (light[..., None] * colour[None, None, :]).astype(np.float32)
    frame[y0:y1, x0:x1] = np.clip(roi, 0.0, 255.0).astype(np.uint8)
