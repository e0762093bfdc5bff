"""Twinkle, light rays and rain ripples: visible where asked and anchored, absent where not, frame 0
is the input, the same seed gives the same frames, and no anchor gives a note instead of a picture."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from stillmotion.engines.motion import MotionEngine
from stillmotion.engines.motion.engine import prepare_plan
from stillmotion.engines.motion.notes import fails_strict
from stillmotion.engines.motion.plan import CameraMove, MotionPlan, ParticleEffect, RegionEffect
from stillmotion.engines.motion.prompt import plan_motion
from stillmotion.engines.motion.scene import SceneAnalysis, analyze_scene
from stillmotion.engines.motion.twinkle import find_point_lights
from tests.motion.harness import render_all, request_for
from tests.motion.scenes import band_mask, landscape, star_field, sunlit_trees

FRAMES, FPS = 24, 12


def _render(image: np.ndarray, prompt: str, seed: int = 1) -> tuple[dict, list[np.ndarray]]:
    prepared = MotionEngine().prepare(request_for(image, frames=FRAMES, fps=FPS, seed=seed, prompt=prompt))
    return prepared.plan, render_all(prepared)


def _change(frames: list[np.ndarray], image: np.ndarray) -> np.ndarray:
    """(frames, h, w) mean absolute change of each frame from the input, 0..255."""
    return np.stack([np.abs(f.astype(np.int16) - image.astype(np.int16)).mean(axis=2) for f in frames])


def _near(points: np.ndarray, shape: tuple[int, int], radius: float) -> np.ndarray:
    ys, xs = np.mgrid[0 : shape[0], 0 : shape[1]]
    out = np.zeros(shape, bool)
    for x, y in points:
        out |= (xs - x) ** 2 + (ys - y) ** 2 <= radius**2
    return out


def test_point_lights_are_found_where_the_stars_are() -> None:
    image, stars = star_field()
    found = find_point_lights(image)
    assert len(found) == len(stars)
    nearest = np.min(np.hypot(*(found.centres[:, None, :] - stars[None, :, :]).transpose(2, 0, 1)), axis=1)
    assert nearest.max() < 0.5, "sub-pixel centres"
    assert not len(find_point_lights(landscape(480, 270))), "a daylit landscape has no point lights"


def test_stars_twinkle_at_the_stars_and_nowhere_else() -> None:
    image, stars = star_field()
    plan, frames = _render(image, "static camera, the stars twinkle")
    assert [r["kind"] for r in plan["regions"]] == ["twinkle"] and not plan["notes"]
    assert np.array_equal(frames[0], image), "frame 0 is the input"
    change = _change(frames, image)
    at_stars = _near(stars, image.shape[:2], 2.0)
    assert change[:, at_stars].mean(axis=1).max() > 8.0, "the stars' cores visibly brighten and dim"
    assert change[:, ~_near(stars, image.shape[:2], 16.0)].max() == 0, "nothing changes away from the stars"


def test_twinkle_is_not_drawn_unasked() -> None:
    image, _ = star_field()
    plan, frames = _render(image, "static camera")
    assert all(np.array_equal(f, image) for f in frames)


def test_twinkle_without_point_lights_is_a_note_not_a_picture() -> None:
    image = landscape(480, 270)
    plan, frames = _render(image, "static camera, stars twinkle")
    assert not plan["regions"]
    assert any("'stars'" in n and "no stars or point lights" in n for n in plan["notes"]), plan["notes"]
    assert all(fails_strict(n) for n in plan["notes"]), "STILLMOTION_MOTION_STRICT fails such a task"
    assert all(np.array_equal(f, image) for f in frames)


def test_twinkle_is_deterministic_for_a_seed() -> None:
    image, _ = star_field()
    _, first = _render(image, "static camera, stars twinkle", seed=3)
    _, again = _render(image, "static camera, stars twinkle", seed=3)
    _, other = _render(image, "static camera, stars twinkle", seed=4)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))


@pytest.mark.parametrize("prompt", ["sunbeams through the trees", "god rays", "rayos de sol entre los árboles",
                                    "Sonnenstrahlen durch die Bäume", "阳光透过树林"])
def test_light_rays_fall_from_the_bright_gaps_into_the_shade(prompt: str) -> None:
    image = sunlit_trees()
    plan, frames = _render(image, "static camera, " + prompt)
    assert "rays" in [r["kind"] for r in plan["regions"]], plan
    assert not any("light rays" in n or "rays motion" in n for n in plan["notes"]), plan["notes"]
    assert np.array_equal(frames[0], image)
    change = _change(frames, image)
    shade = np.zeros(image.shape[:2], bool)
    shade[int(0.85 * image.shape[0]) :] = True  # the forest floor, below the trunks
    sky = image.max(axis=2) > 230
    assert change[-1][shade].mean() > 4.0, "rays light the floor"
    assert change[-1][sky].mean() < 0.5 * change[-1][shade].mean(), "light shows in shade, not on the bright sky"


def test_light_rays_without_a_bright_sky_or_gap_are_a_note() -> None:
    image, _ = star_field()
    plan, frames = _render(image, "static camera, sunbeams")
    assert "rays" not in [r["kind"] for r in plan["regions"]]
    assert any("'sunbeams'" in n and "no sun, bright sky or bright gap" in n for n in plan["notes"]), plan["notes"]


def _lake_scene(width: int, height: int, water: bool) -> SceneAnalysis:
    mask = band_mask(96, 54, 0.55, 1.0) if water else np.zeros((54, 96), np.float32)
    return SceneAnalysis(depth=np.zeros((54, 96), np.float32), masks={"water": mask},
                         elements=frozenset({"water"}) if water else frozenset(), horizon=0.5)


def test_rain_on_water_rings_the_water_only() -> None:
    image = landscape(480, 270)
    plan = plan_motion("static camera, rain", "", 7.0, 1, _lake_scene(480, 270, water=True))
    assert [r.kind for r in plan.regions] == ["ripples"]
    rings = MotionPlan(camera=CameraMove("static"), regions=plan.regions)  # the rings alone, no streaks
    frames = render_all(prepare_plan(request_for(image, frames=FRAMES, fps=FPS), rings, _lake_scene(480, 270, True)))
    assert np.array_equal(frames[0], image)
    change = _change(frames, image)
    water = band_mask(480, 270, 0.55, 1.0) > 0.5
    prepared_plan = prepare_plan(request_for(image, frames=FRAMES, fps=FPS), rings, _lake_scene(480, 270, True)).plan
    assert [r["kind"] for r in prepared_plan["regions"]] == ["ripples"], "measured visible where they are"
    assert change[-6:, water].max() > 5 and (change[-6:] > 2).mean(axis=0)[water].mean() > 0.0005, "rings show"
    assert change[:, ~band_mask(480, 270, 0.5, 1.0).astype(bool)].max() == 0, "and nowhere above it"


def test_rain_without_water_or_water_without_rain_has_no_ripples() -> None:
    dry = plan_motion("static camera, rain", "", 7.0, 1, _lake_scene(480, 270, water=False))
    still = plan_motion("static camera, waves on the lake", "", 7.0, 1, _lake_scene(480, 270, water=True))
    assert "ripples" not in [r.kind for r in dry.regions] + [r.kind for r in still.regions]


def test_rain_on_a_real_lake_gets_rings() -> None:
    """scikit-image's 'rocket' has no water; its 'coffee' neither: a lake is drawn here, read by the
    real scene analysis, so the planner's rain + water rule runs end to end."""
    image = landscape(480, 270)
    image[170:] = (np.array([60, 90, 120]) + np.random.default_rng(2).normal(0, 4, (100, 480, 3))).clip(0, 255)
    scene = analyze_scene(image)
    plan = plan_motion("static camera, heavy rain on the lake", "", 7.0, 1, scene)
    assert {"ripples", "water"} <= {r.kind for r in plan.regions}, plan.explanation


def test_twinkle_on_the_hubble_deep_field() -> None:
    """A real photo: the twinkle's change at the stars it found is visible, measured on the frames."""
    from skimage import data

    import cv2

    image = cv2.resize(data.hubble_deep_field(), (640, 734), interpolation=cv2.INTER_AREA)
    plan, frames = _render(image, "static camera, stars twinkle")
    assert [r["kind"] for r in plan["regions"]] == ["twinkle"], plan
    found = find_point_lights(image)
    assert len(found) >= 20
    change = _change(frames, image)
    assert change[:, _near(found.centres, image.shape[:2], 1.5)].mean(axis=1).max() > 5.0


def test_a_twinkle_too_faint_to_see_is_reported_not_rendered() -> None:
    """Measured on the rendered frames (`visibility.measure_added`): at the weakest settings
    the stars change by less than a visible amount, so the task says so and draws nothing."""
    image, _ = star_field()
    weak = MotionPlan(camera=CameraMove("static"), regions=(RegionEffect("twinkle", strength=0.05),), strength=0.05)
    request = request_for(image, frames=FRAMES, fps=FPS, prompt="stars twinkle")
    prepared = prepare_plan(request, weak, analyze_scene(image))
    assert not prepared.plan["regions"]
    assert any("'twinkle'" in n and "less than a visible amount" in n for n in prepared.plan["notes"])
    assert all(np.array_equal(f, image) for f in render_all(prepared))


def test_the_effects_close_a_loop() -> None:
    """Looping, each effect is back at rest one frame past the end: the clip flows into frame 0."""
    image = sunlit_trees()
    stars, _ = star_field()
    for picture, prompt in ((stars, "stars twinkle, seamless loop"), (image, "sunbeams, seamless loop")):
        prepared = MotionEngine().prepare(request_for(picture, frames=FRAMES, fps=FPS, prompt=prompt))
        (light,) = prepared.renderer.added
        frame = picture.copy()
        light.draw(frame, FRAMES, None)
        assert np.array_equal(frame, picture), prompt


def test_the_enhanced_prompt_keeps_only_what_is_anchored() -> None:
    from stillmotion.prompts.reading import renderable_prompt

    day = analyze_scene(landscape(480, 270))
    night = analyze_scene(star_field()[0])
    assert renderable_prompt("stars twinkle, clouds drift", day).strip() == "clouds drift"
    assert renderable_prompt("stars twinkle", night) == "stars twinkle"
    assert "sunbeams" not in renderable_prompt("clouds drift, sunbeams", night)
    assert renderable_prompt("sunbeams", analyze_scene(sunlit_trees())) == "sunbeams"


@pytest.mark.parametrize("camera", ["push in", "pull out", "pan left", "tilt up"])
def test_light_rays_warped_once_are_the_layer_upscaled_then_moved_by_the_pose(camera: str) -> None:
    """The rays' working-size layer goes through the pose and up to full size in one warp; it lands
    where upscaling it and then moving it by the pose puts it (two resamplings: within a few levels),
    every lit pixel of that drawn."""
    image = sunlit_trees()
    height, width = image.shape[:2]
    prepared = MotionEngine().prepare(request_for(image, frames=FRAMES, fps=FPS, prompt=f"{camera}, god rays"))
    (rays,) = [effect for effect in prepared.renderer.added if effect.kind == "rays"]
    for index in (12, FRAMES - 1):
        pose = prepared.renderer.camera.poses[index]
        drawn = np.zeros_like(image)
        rays.draw(drawn, index, pose)
        grown = cv2.resize(rays.layer(index), (width, height), interpolation=cv2.INTER_LINEAR)
        reference = cv2.warpAffine(grown, pose.affine(width, height), (width, height),
                                   flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)
        assert reference.max() > 20, "the rays are lit"
        assert np.abs(drawn.astype(np.int16) - reference).max() <= 4
        assert not (reference >= 3).any(axis=2)[~(drawn > 0).any(axis=2)].any(), "lit pixels left out"
