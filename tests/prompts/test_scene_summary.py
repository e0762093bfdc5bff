"""The scene summary: the engine's regions, plus light, lamps, mist and faces read here."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from stillmotion.engines.motion.scene import SceneAnalysis
from stillmotion.engines.motion.scene_faces import count_faces
from stillmotion.prompts.scene_summary import SceneSummary, summarize_scene

LIGHT = {
    "meadow": "day",
    "lake": "day",
    "night": "night",
    "golden": "golden_hour",
    "overcast": "overcast",
    "campfire": "night",
    "portrait": "day",
    "fog": "overcast",
    "wall": "day",
}
OWN_ELEMENTS = {"lights": {"night"}, "mist": {"fog"}, "people": {"portrait"}}
"""The elements read here rather than by the engine, and the only scenes that show them."""


@pytest.mark.parametrize("name", sorted(LIGHT))
def test_light_and_time_of_day(scene_summaries: dict[str, SceneSummary], name: str) -> None:
    assert scene_summaries[name].light == LIGHT[name]


@pytest.mark.parametrize("element", sorted(OWN_ELEMENTS))
def test_lamps_mist_and_people_only_where_drawn(
    scene_summaries: dict[str, SceneSummary], element: str
) -> None:
    seen = {name for name, summary in scene_summaries.items() if element in summary.elements}
    assert seen == OWN_ELEMENTS[element]


def test_engine_regions_come_through(scene_summaries: dict[str, SceneSummary]) -> None:
    lake = scene_summaries["lake"]
    assert {"sky", "water", "foliage"} <= lake.elements
    # Drawn: sky rows 0-70 of 200 (35%), lake rows 90-170 (40%).
    assert lake.sky_fraction == pytest.approx(0.35, abs=0.05)
    assert lake.water_fraction == pytest.approx(0.40, abs=0.05)
    assert "fire" in scene_summaries["campfire"].elements


def _analysis_claiming(image: np.ndarray, elements: set[str]) -> SceneAnalysis:
    height, width = image.shape[:2]
    blank = np.zeros((height, width), np.float32)
    masks = {name: blank for name in ("sky", "water", "foliage", "fire", "subject")}
    return SceneAnalysis(depth=blank, masks=masks, elements=frozenset(elements))


@pytest.mark.parametrize(
    ("name", "kept"), [("campfire", True), ("golden", False), ("night", False)]
)
def test_fire_is_named_only_as_the_light_of_a_dark_scene(
    scenes: dict[str, np.ndarray], name: str, kept: bool
) -> None:
    image = scenes[name]
    summary = summarize_scene(image, _analysis_claiming(image, {"fire"}))
    assert ("fire" in summary.elements) is kept


def test_the_engine_analysis_is_used_when_given(scenes: dict[str, np.ndarray]) -> None:
    image = scenes["wall"]
    summary = summarize_scene(image, _analysis_claiming(image, {"water", "subject"}))
    assert summary.elements == frozenset({"water"})


def test_no_faces_in_landscapes(scenes: dict[str, np.ndarray]) -> None:
    for name in ("meadow", "lake", "night", "golden", "wall"):
        assert count_faces(scenes[name]) == 0, name
    assert count_faces(scenes["portrait"]) == 1


def test_large_images_are_read_like_small_ones(scenes: dict[str, np.ndarray]) -> None:
    lake = scenes["lake"]
    big = cv2.resize(lake, (lake.shape[1] * 4, lake.shape[0] * 4), interpolation=cv2.INTER_CUBIC)
    small_summary, big_summary = summarize_scene(lake), summarize_scene(big)
    assert (big_summary.elements, big_summary.light) == (
        small_summary.elements,
        small_summary.light,
    )


def test_describe_names_elements_and_light(scene_summaries: dict[str, SceneSummary]) -> None:
    text = scene_summaries["night"].describe()
    assert text == "elements: lights; light: night; faces: 0"


def test_a_grey_photo_is_not_read_as_misty() -> None:
    """skimage's grass (a black-and-white close-up) read as misty, and the enhancer drew mist over
    it with no prompt: without any colour, low saturation is no sign of mist."""
    from stillmotion.pipeline.produce import frame_input

    data = pytest.importorskip("skimage.data")
    grass = frame_input(np.ascontiguousarray(np.repeat(data.grass()[..., None], 3, axis=2)), "720p")
    assert "mist" not in summarize_scene(grass).elements


def test_a_logos_white_page_is_no_sky() -> None:
    """skimage's logo (a drawing on white) was captioned 'A landscape': its white corners touch the
    top and read as sky. A sky with nothing in it is not named; the enhancer calls it a scene."""
    from stillmotion.config import Settings
    from stillmotion.pipeline.produce import frame_input
    from stillmotion.prompts import enhance_prompt

    data = pytest.importorskip("skimage.data")
    logo = frame_input(np.ascontiguousarray(data.logo()[..., :3]), "720p")
    assert "sky" not in summarize_scene(logo).elements
    assert enhance_prompt(None, None, logo, 2, settings=Settings()).text.startswith("A scene")
