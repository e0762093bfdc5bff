"""A coarse, fast reading of what a photo shows, for writing a prompt about it.

The enhancer only needs words ("there is sky, water and foliage; it is golden
hour"), not masks, so this works on colour statistics of a copy shrunk to at
most 128 px: a few milliseconds, deterministic, no model. It errs towards
seeing less: a missed element costs a plainer prompt, a wrong one makes the
engine animate something that is not there.

Colour conventions: hue in degrees (0..360), saturation and value in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from stillmotion.prompts.faces import count_faces

Light = Literal["day", "golden_hour", "night", "overcast"]

_ANALYSIS_SIDE = 128

# Sky: bright, smooth, and connected to the top edge. Colours: blue, overcast
# white/grey, or a warm sunset sky.
_SKY_MIN_VALUE = 0.35
_SKY_MAX_GRADIENT = 0.06
"""Per-pixel change of value after a light blur: sky is smooth, walls of the
same colour usually carry texture or edges."""
_SKY_MIN_FRACTION = 0.08
_SKY_BOTTOM_BAND = 0.10
_SKY_ALONE = 0.95

# Water: below the top third, blue/cyan or mirroring the sky's colour, and
# wide (a lake or the sea spans the frame; a blue shirt does not).
_WATER_TOP = 0.35
_WATER_MIN_WIDTH = 0.30
_WATER_MIN_FRACTION = 0.06
_WATER_MIN_FILL = 0.4
"""Share of its bounding box a water body fills: a lake is a solid sheet, while
grout lines or railings that happen to match the colour form a sparse grid."""
_SKY_MIRROR_DISTANCE = 18.0
"""Lab distance under which a lower pixel counts as reflecting the mean sky colour."""

_FOLIAGE_MIN_FRACTION = 0.08
_MIN_FRACTION = {
    "sky": _SKY_MIN_FRACTION,
    "water": _WATER_MIN_FRACTION,
    "foliage": _FOLIAGE_MIN_FRACTION,
}

# Light and time of day.
_NIGHT_MEAN_VALUE = 0.22
_GOLDEN_WARMTH = 0.12
"""Mean (R - B) of the lit pixels: clearly warm light, not just a warm object."""
_OVERCAST_SATURATION = 0.16
_LIGHTS_VALUE = 0.85
_LIGHTS_FRACTION = (0.002, 0.15)
"""At night, a few bright points are lamps or windows; a large bright area is not night."""

# Fire: saturated warm bright blobs, in a dark-ish picture (campfire, fireplace,
# candles); in daylight the same colours are far more often clothes or paint.
_FIRE_FRACTION = (0.01, 0.30)
_FIRE_MAX_MEAN_VALUE = 0.45

# Mist: pale, washed-out, low contrast.
_MIST_SATURATION = 0.14
_MIST_MIN_VALUE = 0.45
_MIST_MAX_CONTRAST = 0.12


@dataclass(frozen=True)
class SceneSummary:
    """What the enhancer may talk about. Fractions are of the whole frame."""

    elements: frozenset[str]
    """Subset of {"sky", "water", "foliage", "fire", "mist", "lights", "people"}."""
    light: Light
    sky_fraction: float
    water_fraction: float
    foliage_fraction: float
    faces: int
    aspect: float
    """width / height of the analysed image."""

    def describe(self) -> str:
        """One line for a language model: what is there, and the light."""
        seen = ", ".join(sorted(self.elements)) or "nothing specific"
        light = self.light.replace("_", " ")
        return f"elements: {seen}; light: {light}; faces: {self.faces}"


def summarize_scene(image: np.ndarray) -> SceneSummary:
    """Read an RGB uint8 image (height, width, 3) into a `SceneSummary`."""
    small = _shrink(image)
    rgb = small.astype(np.float32) / 255.0
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1], hsv[..., 2]

    faces = count_faces(image)
    night = val.mean() < _NIGHT_MEAN_VALUE
    # Behind a face, a smooth grey or warm area touching the top is far more
    # often a wall or a studio backdrop than an overcast or sunset sky.
    sky = np.zeros_like(val, dtype=bool) if night else _sky_mask(hue, sat, val, blue_only=faces > 0)
    if sky.mean() < _SKY_MIN_FRACTION:
        sky[:] = False
    light: Light = "night" if night else _daylight(rgb, sat, val, sky)
    water = _water_mask(small, hue, sat, val, sky)
    foliage = (hue >= 60) & (hue <= 160) & (sat > 0.2) & (val > 0.12) & ~sky & ~water

    fractions = {"sky": sky.mean(), "water": water.mean(), "foliage": foliage.mean()}
    elements = {name for name, frac in fractions.items() if frac >= _MIN_FRACTION[name]}
    if _has_fire(hue, sat, val, sky):
        elements.add("fire")
    if light == "night" and _LIGHTS_FRACTION[0] <= (val > _LIGHTS_VALUE).mean() <= _LIGHTS_FRACTION[1]:
        elements.add("lights")
    if light != "night" and _is_misty(sat, val):
        elements.add("mist")
    if faces:
        elements.add("people")

    return SceneSummary(
        elements=frozenset(elements),
        light=light,
        sky_fraction=round(float(fractions["sky"]), 3),
        water_fraction=round(float(fractions["water"]), 3),
        foliage_fraction=round(float(fractions["foliage"]), 3),
        faces=faces,
        aspect=round(image.shape[1] / image.shape[0], 3),
    )


def _shrink(image: np.ndarray) -> np.ndarray:
    scale = _ANALYSIS_SIDE / max(image.shape[:2])
    if scale >= 1.0:
        return np.ascontiguousarray(image[..., :3])
    return cv2.resize(image[..., :3], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _daylight(rgb: np.ndarray, sat: np.ndarray, val: np.ndarray, sky: np.ndarray) -> Light:
    """Golden hour and overcast are read from the sky: without one, a warm wall
    or a grey room says nothing about the time of day, so the answer is "day"."""
    if not sky.any():
        return "day"
    lit = val > 0.3
    warmth = float((rgb[..., 0] - rgb[..., 2])[lit].mean()) if lit.any() else 0.0
    sky_warmth = float((rgb[..., 0] - rgb[..., 2])[sky].mean())
    if warmth > _GOLDEN_WARMTH and sky_warmth > 0:
        return "golden_hour"
    if sat.mean() < _OVERCAST_SATURATION and sat[sky].mean() < _OVERCAST_SATURATION:
        return "overcast"
    return "day"


def _sky_mask(hue: np.ndarray, sat: np.ndarray, val: np.ndarray, *, blue_only: bool) -> np.ndarray:
    colour = (hue >= 180) & (hue <= 250) & (sat > 0.12)
    if not blue_only:
        grey = (sat < 0.15) & (val > 0.6)
        sunset = ((hue <= 50) | (hue >= 300)) & (sat > 0.2) & (val > 0.5)
        colour |= grey | sunset
    blurred = cv2.GaussianBlur(val, (3, 3), 0)
    gradient = cv2.magnitude(cv2.Sobel(blurred, cv2.CV_32F, 1, 0), cv2.Sobel(blurred, cv2.CV_32F, 0, 1))
    # Sobel sums 8 weighted neighbours (weights add up to 4 on each side).
    smooth = gradient / 4.0 < _SKY_MAX_GRADIENT
    sky = _touching_top((val > _SKY_MIN_VALUE) & colour & smooth)
    # Sky sits above the land: one that also fills the bottom rows is a wall
    # or a backdrop, unless the frame is nearly all sky (clouds, fog).
    bottom = sky[-max(1, int(sky.shape[0] * _SKY_BOTTOM_BAND)) :]
    if bottom.mean() > 0.5 and sky.mean() < _SKY_ALONE:
        sky[:] = False
    return sky


def _touching_top(mask: np.ndarray) -> np.ndarray:
    """The parts of `mask` connected to the image's top row."""
    count, labels = cv2.connectedComponents(mask.astype(np.uint8), connectivity=4)
    if count <= 1:
        return np.zeros_like(mask, dtype=bool)
    top_labels = np.unique(labels[0][labels[0] > 0])
    return np.isin(labels, top_labels)


def _water_mask(
    small: np.ndarray, hue: np.ndarray, sat: np.ndarray, val: np.ndarray, sky: np.ndarray
) -> np.ndarray:
    height, width = val.shape
    below_top = np.zeros_like(sky)
    below_top[int(height * _WATER_TOP) :] = True
    watery = (hue >= 170) & (hue <= 250) & (sat > 0.1) & (val > 0.2)
    if sky.any():
        lab = cv2.cvtColor(small, cv2.COLOR_RGB2LAB).astype(np.float32)
        sky_colour = lab[sky].mean(axis=0)
        watery |= np.linalg.norm(lab - sky_colour, axis=2) < _SKY_MIRROR_DISTANCE
    candidate = (watery & below_top & ~sky).astype(np.uint8)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(candidate, connectivity=4)
    bodies = [
        i
        for i in range(1, count)
        if stats[i, cv2.CC_STAT_WIDTH] >= _WATER_MIN_WIDTH * width
        and stats[i, cv2.CC_STAT_AREA]
        >= _WATER_MIN_FILL * stats[i, cv2.CC_STAT_WIDTH] * stats[i, cv2.CC_STAT_HEIGHT]
    ]
    return np.isin(labels, bodies) if bodies else np.zeros_like(sky)


def _has_fire(hue: np.ndarray, sat: np.ndarray, val: np.ndarray, sky: np.ndarray) -> bool:
    if val.mean() > _FIRE_MAX_MEAN_VALUE:
        return False
    flame = ((hue <= 45) | (hue >= 345)) & (sat > 0.55) & (val > 0.55) & ~sky
    return _FIRE_FRACTION[0] <= flame.mean() <= _FIRE_FRACTION[1]


def _is_misty(sat: np.ndarray, val: np.ndarray) -> bool:
    return bool(
        sat.mean() < _MIST_SATURATION and val.mean() > _MIST_MIN_VALUE and val.std() < _MIST_MAX_CONTRAST
    )
