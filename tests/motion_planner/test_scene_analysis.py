"""Scene analysis on drawn scenes: masks where the regions are, depth in the right order."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from stillmotion.engines.motion.plan import MotionPlan
from stillmotion.engines.motion.prompt import plan_motion
from stillmotion.engines.motion.scene import WORK_LONG_SIDE, SceneAnalysis, analyze_scene
from tests.motion_planner.synthetic_scenes import (
    figure_on_ground,
    flame_on_dark,
    grey_street,
    lake,
    sky_over_ground,
    sunset,
)

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "motion_planner"
SHEET_FIELDS = ("sky", "water", "foliage", "fire", "subject")


@pytest.fixture(scope="module")
def scenes() -> dict[str, SceneAnalysis]:
    drawn = {"sky_over_ground": sky_over_ground(), "lake": lake(), "flame": flame_on_dark(),
             "street": grey_street(), "sunset": sunset()}
    analysed = {name: analyze_scene(image) for name, image in drawn.items()}
    _save_sheet(drawn, analysed)
    return analysed


def _save_sheet(drawn: dict[str, np.ndarray], analysed: dict[str, SceneAnalysis]) -> None:
    """One row per scene: the image, each mask, then the depth (dark = near)."""
    rows = []
    for name, image in drawn.items():
        scene = analysed[name]
        h, w = scene.size
        tiles = [cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA)]
        for field in (*(scene.masks[k] for k in SHEET_FIELDS), scene.depth):
            tiles.append(np.repeat((field * 255).astype(np.uint8)[..., None], 3, axis=2))
        rows.append(np.hstack(tiles))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / "scene_analysis.png"
    cv2.imwrite(str(path), cv2.cvtColor(np.vstack(rows), cv2.COLOR_RGB2BGR))
    print(f"scene analysis sheet (image, {', '.join(SHEET_FIELDS)}, depth): {path}")


def _rows(field: np.ndarray, top: float, bottom: float) -> np.ndarray:
    h = field.shape[0]
    return field[int(top * h):int(bottom * h)]


# Slivers and specks included: OpenCV's SEEDS hangs or crashes on them unless guarded.
@pytest.mark.parametrize(
    "shape", [(1080, 1920), (1920, 1080), (40, 90), (384, 384), (8, 200), (2, 3), (100, 4000)]
)
def test_fields_have_the_working_size_and_ranges(shape: tuple[int, int]) -> None:
    h, w = shape
    image = np.random.default_rng(0).integers(0, 256, (h, w, 3), dtype=np.uint8)
    scene = analyze_scene(image)
    scale = min(1.0, WORK_LONG_SIDE / max(h, w))
    expected = (round(h * scale), round(w * scale))
    assert scene.size == expected
    for field in (scene.depth, *scene.masks.values()):
        assert field.shape == expected and field.dtype == np.float32
        assert field.min() >= 0.0 and field.max() <= 1.0
    assert set(scene.masks) == {"sky", "water", "foliage", "fire", "subject", "vessel", "people", "faces", "light", "twinkle", "rays"}


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


def test_an_upright_figure_stands_at_the_depth_of_its_feet() -> None:
    scene = analyze_scene(figure_on_ground())  # figure: x 44-56%, y 25-90%; horizon at 40%
    depth = scene.depth
    h, w = depth.shape
    figure = depth[int(0.3 * h):int(0.85 * h), int(0.47 * w):int(0.53 * w)]
    assert figure.std() < 0.05  # one card, not leaning with the ground's gradient
    beside_feet = depth[int(0.86 * h):int(0.9 * h), int(0.2 * w)].mean()
    assert abs(float(figure.mean()) - float(beside_feet)) < 0.1
    beside_head = depth[int(0.42 * h):int(0.46 * h), int(0.2 * w)].mean()
    assert figure.mean() < beside_head - 0.3


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


def test_a_sunset_sky_is_sky_and_its_sun_is_not_fire(scenes: dict[str, SceneAnalysis]) -> None:
    scene = scenes["sunset"]  # warm sky above 0.55 h minus the hills, sun low in the sky
    assert _rows(scene.masks["sky"], 0.0, 0.4).mean() > 0.9
    assert _rows(scene.masks["sky"], 0.6, 1.0).mean() < 0.05
    assert "sky" in scene.elements and "fire" not in scene.elements
    assert scene.masks["fire"].max() < 0.05


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
