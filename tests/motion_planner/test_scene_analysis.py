"""Scene analysis on drawn scenes: masks where the regions are, depth in the right order."""

from __future__ import annotations

import numpy as np
import pytest

from stillmotion.engines.motion.plan import MotionPlan
from stillmotion.engines.motion.prompt import plan_motion
from stillmotion.engines.motion.scene import WORK_LONG_SIDE, SceneAnalysis, analyze_scene
from tests.motion_planner.synthetic_scenes import flame_on_dark, grey_street, lake, sky_over_ground


@pytest.fixture(scope="module")
def scenes() -> dict[str, SceneAnalysis]:
    drawn = {"sky_over_ground": sky_over_ground(), "lake": lake(), "flame": flame_on_dark(),
             "street": grey_street()}
    return {name: analyze_scene(image) for name, image in drawn.items()}


def _rows(field: np.ndarray, top: float, bottom: float) -> np.ndarray:
    h = field.shape[0]
    return field[int(top * h):int(bottom * h)]


@pytest.mark.parametrize("shape", [(1080, 1920), (1920, 1080), (40, 90), (384, 384)])
def test_fields_have_the_working_size_and_ranges(shape: tuple[int, int]) -> None:
    h, w = shape
    image = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
    scene = analyze_scene(image)
    expected = (round(h * min(1.0, WORK_LONG_SIDE / max(h, w))), round(w * min(1.0, WORK_LONG_SIDE / max(h, w))))
    assert scene.size == expected
    for field in (scene.depth, *scene.masks.values()):
        assert field.shape == expected and field.dtype == np.float32
        assert 0.0 <= field.min() and field.max() <= 1.0
    assert set(scene.masks) == {"sky", "water", "foliage", "fire", "subject"}


def test_rejects_what_is_not_rgb_uint8() -> None:
    with pytest.raises(ValueError):
        analyze_scene(np.zeros((10, 10), np.uint8))


def test_sky_over_ground(scenes: dict[str, SceneAnalysis]) -> None:
    scene = scenes["sky_over_ground"]  # horizon drawn at 40% of the height
    sky, foliage = scene.masks["sky"], scene.masks["foliage"]
    assert _rows(sky, 0.0, 0.35).mean() > 0.9 and _rows(sky, 0.45, 1.0).mean() < 0.05
    assert _rows(foliage, 0.45, 1.0).mean() > 0.8 and _rows(foliage, 0.0, 0.35).mean() < 0.05
    assert abs(scene.horizon - 0.4) < 0.03
    assert {"sky", "foliage"} <= scene.elements and "water" not in scene.elements


def test_depth_order(scenes: dict[str, SceneAnalysis]) -> None:
    depth = scenes["sky_over_ground"].depth
    sky, near_horizon, bottom = _rows(depth, 0.0, 0.35), _rows(depth, 0.45, 0.55), _rows(depth, 0.9, 1.0)
    assert sky.mean() > near_horizon.mean() + 0.1
    assert near_horizon.mean() > bottom.mean() + 0.3
    ground_rows = _rows(depth, 0.45, 1.0).mean(axis=1)
    assert np.all(np.diff(ground_rows) < 0.01)  # nearer all the way down to the bottom edge


def test_lake(scenes: dict[str, SceneAnalysis]) -> None:
    scene = scenes["lake"]  # sky 0-35%, hills 35-45%, lake 45-85%, sand below
    water = scene.masks["water"]
    assert _rows(water, 0.5, 0.8).mean() > 0.8
    assert _rows(water, 0.0, 0.3).mean() < 0.05 and _rows(water, 0.9, 1.0).mean() < 0.05
    assert "water" in scene.elements
    assert _rows(scene.masks["foliage"], 0.37, 0.43).mean() > 0.5


def test_flame(scenes: dict[str, SceneAnalysis]) -> None:
    scene = scenes["flame"]  # flame centred at (0.5 w, 0.55 h), dark elsewhere
    fire = scene.masks["fire"]
    h, w = fire.shape
    assert fire[int(0.55 * h), w // 2] > 0.5
    assert fire[: int(0.3 * h)].max() < 0.05 and fire[:, : w // 4].max() < 0.05
    assert "fire" in scene.elements
    assert not {"sky", "water", "foliage"} & scene.elements
    subject = scene.masks["subject"]
    assert subject[int(0.55 * h), w // 2] > 0.5 > subject[int(0.1 * h), int(0.1 * w)]


def test_a_grey_road_is_not_confident_water(scenes: dict[str, SceneAnalysis]) -> None:
    assert "water" not in scenes["street"].elements


def _region_kinds(plan: MotionPlan) -> set[str]:
    return {r.kind for r in plan.regions}


def test_no_prompt_plans_follow_the_scene(scenes: dict[str, SceneAnalysis]) -> None:
    landscape = plan_motion("", "", 5.0, 3, scenes["sky_over_ground"], paraphrase=False)
    assert _region_kinds(landscape) == {"sky", "foliage"}
    assert landscape.camera.kind == "push_in" and not landscape.particles
    assert "water" in _region_kinds(plan_motion("", "", 5.0, 3, scenes["lake"], paraphrase=False))
    assert _region_kinds(plan_motion("", "", 5.0, 3, scenes["flame"], paraphrase=False)) == {"fire"}
    assert _region_kinds(plan_motion("", "", 5.0, 3, scenes["street"], paraphrase=False)) == {"sky"}
    bare = plan_motion("", "", 5.0, 3, None, paraphrase=False)
    assert (bare.camera.kind, bare.regions, bare.particles) == ("push_in", (), ())


def test_scene_motion_respects_negation_and_cfg(scenes: dict[str, SceneAnalysis]) -> None:
    scene = scenes["sky_over_ground"]
    assert _region_kinds(plan_motion("no clouds", "", 5.0, 3, scene, paraphrase=False)) == {"foliage"}
    assert _region_kinds(plan_motion("", "trees", 5.0, 3, scene, paraphrase=False)) == {"sky"}
    literal = plan_motion("slow pan left", "", 15.0, 3, scene, paraphrase=False)
    loose = plan_motion("slow pan left", "", 1.0, 3, scene, paraphrase=False)
    assert literal.regions == () and _region_kinds(loose) == {"sky", "foliage"}
