"""Scenes that fooled the detectors: warm skies, lit faces and street lamps are not fire,
a dark night is not water, a flat warm wall is not sky, and "subject" needs one compact
salient object.

The pictures are the prompt tests' drawings (tests/prompts/conftest.py), some
perturbed the way real photos differ from them: sensor noise, a warm white
balance, a face lit by a lamp in a dark room, sodium-orange street lamps.
Each perturbed case was a false positive before these checks existed.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from stillmotion.engines.motion.scene import analyze_scene
from stillmotion.engines.motion.scene_features import compute_features
from stillmotion.engines.motion.scene_masks import fire_mask
from tests.motion_planner.synthetic_scenes import (
    figure_on_ground,
    flame_on_dark,
    sky_over_ground,
    sunset,
)
from tests.prompts.conftest import (
    draw_brick_wall,
    draw_campfire,
    draw_golden_hour,
    draw_lake,
    draw_night_street,
    draw_overcast_field,
    draw_portrait,
    draw_sky_over_meadow,
)


def _noisy(image: np.ndarray, sigma: float) -> np.ndarray:
    """Gray sensor noise of `sigma` levels, seeded."""
    noise = np.random.default_rng(0).normal(0.0, sigma, (*image.shape[:2], 1))
    out: np.ndarray = np.clip(image + noise, 0, 255).astype(np.uint8)
    return out


def _lit_face_in_the_dark(image: np.ndarray) -> np.ndarray:
    """The portrait under a warm lamp (less blue, more red) with the wall fallen into shadow."""
    lit = image * np.array([1.1, 0.95, 0.7])
    face = np.zeros(image.shape[:2], np.uint8)
    cv2.ellipse(face, (128, 128), (60, 80), 0, 0, 360, 1, -1)  # the face drawn by draw_portrait
    lit[face == 0] *= 0.3
    out: np.ndarray = np.clip(lit, 0, 255).astype(np.uint8)
    return out


def _sodium_lamps(image: np.ndarray) -> np.ndarray:
    """The night street with a warm white balance: lamps and windows turn saturated orange."""
    warm = image * np.array([1.0, 0.9, 0.3])
    out: np.ndarray = np.clip(warm, 0, 255).astype(np.uint8)
    return out


def _top(field: np.ndarray, share: float) -> np.ndarray:
    return field[: int(share * field.shape[0])]


@pytest.mark.parametrize("sigma", [0.0, 4.0])
def test_a_golden_hour_sky_is_sky_and_not_fire(sigma: float) -> None:
    scene = analyze_scene(_noisy(draw_golden_hour(), sigma))  # sky drawn over the top half
    assert _top(scene.masks["sky"], 0.4).mean() > 0.9
    assert "sky" in scene.elements
    assert "fire" not in scene.elements and scene.masks["fire"].max() < 0.05


@pytest.mark.parametrize("light", ["as drawn", "lamp-lit in the dark"])
def test_a_face_is_not_fire(light: str) -> None:
    image = draw_portrait()
    scene = analyze_scene(image if light == "as drawn" else _lit_face_in_the_dark(image))
    assert "fire" not in scene.elements and scene.masks["fire"].max() < 0.05


def test_a_plain_warm_wall_behind_a_face_is_neither_sky_nor_water() -> None:
    scene = analyze_scene(draw_portrait())  # beige wall: warm, smooth, touching the top, flat
    assert scene.masks["sky"].max() < 0.05 and scene.masks["water"].mean() < 0.05
    assert not {"sky", "water"} & scene.elements


@pytest.mark.parametrize("lamps", ["as drawn", "sodium orange"])
def test_street_lamps_are_neither_fire_nor_water(lamps: str) -> None:
    image = draw_night_street()
    scene = analyze_scene(image if lamps == "as drawn" else _sodium_lamps(image))
    assert "fire" not in scene.elements and scene.masks["fire"].max() < 0.05
    assert scene.masks["water"].mean() < 0.05


@pytest.mark.parametrize("draw", [draw_campfire, flame_on_dark], ids=["campfire", "candle"])
def test_real_flames_are_still_fire(draw: Callable[[], np.ndarray]) -> None:
    assert "fire" in analyze_scene(draw()).elements


@pytest.mark.parametrize(
    "draw",
    [draw_sky_over_meadow, draw_lake, draw_golden_hour, draw_overcast_field, draw_night_street,
     draw_brick_wall, sky_over_ground],
    ids=["meadow", "lake", "golden", "overcast", "night", "wall", "sky_over_ground"],
)
def test_no_subject_in_landscapes_textures_and_scattered_lights(
    draw: Callable[[], np.ndarray],
) -> None:
    assert "subject" not in analyze_scene(draw()).elements


@pytest.mark.parametrize(
    "draw", [draw_campfire, flame_on_dark, figure_on_ground], ids=["campfire", "candle", "figure"]
)
def test_one_compact_salient_object_is_a_subject(draw: Callable[[], np.ndarray]) -> None:
    assert "subject" in analyze_scene(draw()).elements


@pytest.mark.parametrize("draw", [draw_golden_hour, sunset], ids=["golden", "sunset"])
def test_a_warm_sky_the_sky_detector_missed_is_still_not_fire(
    draw: Callable[[], np.ndarray],
) -> None:
    features = compute_features(draw())
    fire, sure = fire_mask(features, np.zeros(features.gray.shape, np.float32))
    assert not sure and fire.max() < 0.05


@pytest.mark.parametrize("light", [1.0, 0.3], ids=["lit", "in shade"])
def test_a_smooth_green_wall_is_not_foliage(light: float) -> None:
    """Foliage reads relative contrast so shaded trees count; a painted wall has none in any light."""
    rows = np.linspace(0.85, 1.15, 270, dtype=np.float32)[:, None, None]  # light falls off
    wall = np.broadcast_to(np.array([70, 150, 80], np.float32) * rows * light, (270, 480, 3))
    scene = analyze_scene(_noisy(np.clip(wall, 0, 255).astype(np.uint8), 2.0))
    assert scene.masks["foliage"].mean() < 0.05 and "foliage" not in scene.elements
