"""What a photo shows, in words the enhancer can use.

The regions come from the motion engine's own scene analysis
(`engines.motion.scene.analyze_scene`): the enhancer names sky, water, foliage
or fire exactly when the engine is confident it can find them, so every clause
it adds lands on a region the renderer will move. What the engine does not
look for is read here from colour statistics of a copy shrunk to at most
128 px: the light and time of day, mist, lamps at night; and frontal faces.
All of it is deterministic and takes milliseconds.

Colour conventions here: hue in degrees (0..360), saturation and value in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

from stillmotion.engines.motion.scene import SceneAnalysis, analyze_scene
from stillmotion.engines.motion.scene_faces import count_faces

Light = Literal["day", "golden_hour", "night", "overcast"]

_ENGINE_ELEMENTS = frozenset({"sky", "water", "foliage", "fire"})
"""The engine's confident regions the enhancer has words for ("subject" is a
saliency blob, not a kind of motion)."""

_ANALYSIS_SIDE = 128

_NIGHT_MEAN_VALUE = 0.22
_GOLDEN_WARMTH = 0.12
"""Mean (R - B) of the lit pixels: clearly warm light, not just a warm object."""
_BAND = 0.3
_BACKLIGHT = 0.15
"""A low sun lights the top band (the sky) this much more than the bottom one.
This keeps a warm wall behind a portrait, evenly lit, from reading as golden hour."""
_OVERCAST_SATURATION = 0.16
_LIGHTS_VALUE = 0.85
_LIGHTS_FRACTION = (0.002, 0.15)
"""At night, a few bright points are lamps or windows; a large bright area is not night."""
_MIN_LAMPS = 3
"""One or two bright blobs may be a fire or the moon; three or more are lamps."""
_FIRE_MAX_MEAN_VALUE = 0.45
_BLANK_SKY_SPREAD = 1.5 / 255
"""A "sky" whose brightness varies less than this (standard deviation) holds nothing: the white
page around a logo, or a sky blown out to white. It is not named (not "A landscape", no clouds
to drift); real skies measure 5 levels (china at dusk) and more."""
_MIST_SATURATION = 0.14
_MIST_MIN_VALUE = 0.45
_MIST_MAX_CONTRAST = 0.12
"""Mist is pale, washed out and flat: low saturation, bright, small spread of value."""
_MONOCHROME_SATURATION = 0.01
"""Below this at its 99th percentile an image has no colour at all (a black-and-white photo, a
grey texture): its low saturation says nothing of mist (skimage's grey grass read as misty)."""


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
    """width / height of the image."""

    def describe(self) -> str:
        """One line for a language model: what is there, and the light."""
        seen = ", ".join(sorted(self.elements)) or "nothing specific"
        light = self.light.replace("_", " ")
        return f"elements: {seen}; light: {light}; faces: {self.faces}"


def summarize_scene(image: np.ndarray, analysis: SceneAnalysis | None = None) -> SceneSummary:
    """Read an RGB uint8 image (height, width, 3) into a `SceneSummary`.

    Pass the engine's `analysis` of the same image when there is one, so it is
    not computed twice.
    """
    analysis = analysis if analysis is not None else analyze_scene(image)
    small = _shrink(image)
    rgb = small.astype(np.float32) / 255.0
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    sat, val = hsv[..., 1], hsv[..., 2]
    if "sky" in analysis.elements:
        sky = _resized(analysis.masks["sky"], val.shape) > 0.5
    else:
        sky = np.zeros(val.shape, dtype=bool)

    elements = set(analysis.elements & _ENGINE_ELEMENTS)
    if sky.any() and float(val[sky].std()) < _BLANK_SKY_SPREAD:
        elements.discard("sky")  # blank: a page's white or a blown-out sky, nothing in it to drift
    light = _light(rgb, sat, val, sky)
    if light == "night" and _has_lamps(val):
        elements.add("lights")
    # The engine's fire detector looks for warm, bright, contrasting spots; in a
    # bright frame those are far more often a sunset, a face or clothes, and at
    # night among several lamps, another lamp. Fire is named only where it can
    # be the light of a dark scene.
    if "fire" in elements and ("lights" in elements or val.mean() > _FIRE_MAX_MEAN_VALUE):
        elements.discard("fire")
    if light != "night" and _is_misty(sat, val):
        elements.add("mist")
    faces = count_faces(image)
    if faces:
        elements.add("people")

    def fraction(name: str) -> float:
        return round(float(analysis.masks[name].mean()), 3) if name in analysis.masks else 0.0

    return SceneSummary(
        elements=frozenset(elements),
        light=light,
        sky_fraction=fraction("sky"),
        water_fraction=fraction("water"),
        foliage_fraction=fraction("foliage"),
        faces=faces,
        aspect=round(image.shape[1] / image.shape[0], 3),
    )


def _shrink(image: np.ndarray) -> np.ndarray:
    scale = _ANALYSIS_SIDE / max(image.shape[:2])
    if scale >= 1.0:
        return np.ascontiguousarray(image[..., :3])
    return cv2.resize(image[..., :3], None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def _resized(mask: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return cv2.resize(mask, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)


def _light(rgb: np.ndarray, sat: np.ndarray, val: np.ndarray, sky: np.ndarray) -> Light:
    if val.mean() < _NIGHT_MEAN_VALUE:
        return "night"
    warmth = rgb[..., 0] - rgb[..., 2]
    lit = val > 0.3
    band = max(1, int(val.shape[0] * _BAND))
    backlit = val[:band].mean() > val[-band:].mean() + _BACKLIGHT
    # Golden hour is the low sun's light, read where the sky shows it: without a seen sky,
    # warm light is a lamp's or a warm object's (an espresso on wood, an orange suit).
    if (
        sky.any() and lit.any() and warmth[lit].mean() > _GOLDEN_WARMTH
        and warmth[:band].mean() > 0 and backlit
    ):
        return "golden_hour"
    # Grey light is only "overcast" under a grey sky; a grey room says nothing of the weather.
    if sky.any() and sat.mean() < _OVERCAST_SATURATION and sat[sky].mean() < _OVERCAST_SATURATION:
        return "overcast"
    return "day"


def _has_lamps(val: np.ndarray) -> bool:
    """Several separate bright points in the dark: street lamps, windows, lanterns."""
    bright = val > _LIGHTS_VALUE
    if not _LIGHTS_FRACTION[0] <= bright.mean() <= _LIGHTS_FRACTION[1]:
        return False
    spots = cv2.connectedComponents(bright.astype(np.uint8), connectivity=8)[0] - 1
    return spots >= _MIN_LAMPS


def _is_misty(sat: np.ndarray, val: np.ndarray) -> bool:
    return bool(
        float(np.percentile(sat, 99)) >= _MONOCHROME_SATURATION
        and sat.mean() < _MIST_SATURATION
        and val.mean() > _MIST_MIN_VALUE
        and val.std() < _MIST_MAX_CONTRAST
    )
