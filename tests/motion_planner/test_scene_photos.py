"""Scene analysis on real photos with hand-labelled sky, water and foliage.

The floors sit just below what the detectors reach (docs/motion.md, "Reading
scenes"), so a change that makes them read worse fails here. The named tests
are the misreadings issue 13 reported, each on the photo that showed it.
"""

from __future__ import annotations

import numpy as np
import pytest

from stillmotion.config import Settings
from stillmotion.engines.base import RenderRequest
from stillmotion.engines.motion import MotionEngine
from stillmotion.engines.motion.scene import SceneAnalysis, analyze_scene
from stillmotion.engines.motion.scene_masks import is_studio_backdrop
from stillmotion.pipeline.produce import frame_input
from stillmotion.prompts import enhance_prompt, summarize_scene
from tests.motion_planner.labelled_photos import (
    CHINA_PAGODA,
    CLASSES,
    PHOTOS,
    Tally,
    fill_shapes,
    label_masks,
    load_photo,
    score_masks,
)

FLOORS = {
    # class: (precision, recall) pooled over the set; measured 0.956/0.975, 0.462/0.770, 0.951/0.708.
    "sky": (0.93, 0.95),
    "water": (0.43, 0.74),
    "foliage": (0.93, 0.68),
}
BY_NAME = {photo.name: photo for photo in PHOTOS}
PAGODA_TREETOPS = 0.78
"""Below this share of china's height trees stand in front of the pagoda (its label is coarse there)."""


@pytest.fixture(scope="module")
def scenes() -> dict[str, SceneAnalysis]:
    return {photo.name: analyze_scene(load_photo(photo.name)) for photo in PHOTOS}


def _tally(scenes: dict[str, SceneAnalysis], name: str, cls: str) -> Tally:
    return score_masks(scenes[name].masks, BY_NAME[name])[cls]


def _cover(scene: SceneAnalysis, cls: str) -> float:
    return float((scene.masks[cls] >= 0.5).mean())


@pytest.mark.parametrize("cls", CLASSES)
def test_masks_meet_their_floor_on_the_labelled_photos(
    scenes: dict[str, SceneAnalysis], cls: str
) -> None:
    total = Tally()
    for photo in PHOTOS:
        total += _tally(scenes, photo.name, cls)
    precision, recall = FLOORS[cls]
    assert total.precision >= precision and total.recall >= recall, (
        f"{cls}: precision {total.precision:.3f} (floor {precision}), "
        f"recall {total.recall:.3f} (floor {recall})"
    )


def test_a_dahlias_leaves_are_foliage_not_sky_or_water(scenes: dict[str, SceneAnalysis]) -> None:
    scene = scenes["flower"]  # before: 44 % sky, 6 % foliage
    assert _cover(scene, "sky") < 0.01 and _cover(scene, "water") < 0.01
    assert _tally(scenes, "flower", "foliage").recall > 0.8
    assert "foliage" in scene.elements and "sky" not in scene.elements


@pytest.mark.parametrize(
    ("name", "recall", "precision"), [("china", 0.7, 0.85), ("china_dusk", 0.15, 0.65)]
)
def test_trees_in_sun_shade_and_dusk_are_foliage(
    scenes: dict[str, SceneAnalysis], name: str, recall: float, precision: float
) -> None:
    # Before: 1.7 % and 0.3 % of the frame; the labelled trees cover about a third. Precision
    # was 0.69 and 0.64 with the pagoda's eaves (now 0.88 and 0.69).
    found = _tally(scenes, name, "foliage")
    assert found.recall > recall and found.precision > precision
    assert "foliage" in scenes[name].elements and "sky" in scenes[name].elements


def _pagoda_above_trees(height: int, width: int, photo_height: int) -> np.ndarray:
    """The pagoda's label above its trees, on a frame cropped to `height` rows around the middle
    of a photo that is `photo_height` rows tall at this width."""
    pagoda = fill_shapes((CHINA_PAGODA,), photo_height, width)
    pagoda[round(PAGODA_TREETOPS * photo_height):] = False
    top = (photo_height - height) // 2
    return pagoda[top:top + height]


@pytest.mark.parametrize("resolution", [None, "1080p"])
def test_a_pagodas_green_eaves_are_not_foliage(
    scenes: dict[str, SceneAnalysis], resolution: str | None
) -> None:
    # Before: its green-glazed and teal-painted eaves read as foliage, 20 % of the pagoda
    # above the trees; "trees sway" bent its roofs. Clearing a band along each long straight
    # edge fixed the photo but left 2.6 % in the 1080p cover crop, whose upturned eave ends
    # LSD broke into short pieces.
    photo = load_photo("china")
    scene = scenes["china"] if resolution is None else analyze_scene(frame_input(photo, resolution))
    height, width = scene.size
    pagoda = _pagoda_above_trees(height, width, round(width * photo.shape[0] / photo.shape[1]))
    assert (scene.masks["foliage"][pagoda] >= 0.5).mean() < 0.015


def test_a_hazy_lake_is_water_not_sky(scenes: dict[str, SceneAnalysis]) -> None:
    photo, scene = BY_NAME["china"], scenes["china"]  # before: the sky mask covered the lake
    lake = np.logical_and(*label_masks(photo, "water", *scene.size))
    assert scene.masks["sky"][lake].mean() < 0.35 and scene.masks["water"][lake].mean() > 0.5


@pytest.mark.parametrize("name", ["astronaut", "grace_hopper"])
def test_a_studio_backdrop_is_not_sky_or_water(scenes: dict[str, SceneAnalysis], name: str) -> None:
    scene = scenes[name]  # before: 22 % and 21 % sky, grace_hopper's backdrop 16 % water
    assert _cover(scene, "sky") == 0.0 and _cover(scene, "water") < 0.01
    assert not {"sky", "water"} & scene.elements


def test_a_sky_above_a_face_stays_sky() -> None:
    sky = np.zeros((100, 100), np.float32)
    sky[:30] = 1.0  # sky above the head only
    face = (0.4, 0.3, 0.2, 0.25)  # chin at 55 % of the height
    assert not is_studio_backdrop(sky, [face])
    sky[:80, 80:] = 1.0  # running down beside the face past the chin: a backdrop
    assert is_studio_backdrop(sky, [face])
    assert not is_studio_backdrop(sky, [(0.45, 0.3, 0.05, 0.06)])  # a small face: not a portrait


@pytest.mark.parametrize("name", ["coffee", "astronaut", "chelsea"])
def test_warm_light_indoors_is_not_golden_hour(scenes: dict[str, SceneAnalysis], name: str) -> None:
    assert summarize_scene(load_photo(name), scenes[name]).light == "day"


@pytest.mark.parametrize("name", ["motorcycle", "coffee", "astronaut"])
def test_no_prompt_on_a_scene_with_nothing_found_is_the_slow_push_in(name: str) -> None:
    image = frame_input(load_photo(name), "720p")
    scene = analyze_scene(image)
    assert not {"sky", "water", "foliage", "fire"} & scene.elements
    enhanced = enhance_prompt("", "", image, 2, settings=Settings(), analysis=scene).text
    request = RenderRequest(image, enhanced, "", 5.0, 7, 24, 12, scene, user_prompt="")
    plan = MotionEngine().prepare(request).plan
    assert plan["camera"]["kind"] == "push_in" and not plan["regions"]
