"""Steam, fog and heat shimmer: drawn where their anchor is, nowhere else, from frame 1 on, the same
for a seed; nothing drawn where the photo has no place for them."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from stillmotion.engines.motion.engine import prepare_plan
from stillmotion.engines.motion.plan import CameraMove, MotionPlan, RegionEffect
from stillmotion.engines.motion.scene import SceneAnalysis
from tests.motion.harness import render_all, request_for
from tests.motion.scenes import landscape, landscape_depth, sky_mask

W, H = 320, 180
STILL = CameraMove(kind="static")
POST = (slice(20, 100), slice(150, 166))


def cup_scene() -> tuple[np.ndarray, SceneAnalysis]:
    """A dark room with a cup of coffee low in the middle: a warm disc in a pale rim."""
    rng = np.random.default_rng(3)
    image = np.full((H, W, 3), 40, np.uint8)
    image += rng.integers(0, 12, image.shape, dtype=np.uint8)  # a little grain, as a photo has
    cv2.ellipse(image, (160, 140), (46, 18), 0, 0, 360, (235, 232, 225), -1)
    cv2.ellipse(image, (160, 140), (38, 13), 0, 0, 360, (150, 90, 40), -1)
    vessel = np.zeros((H, W), np.float32)
    cv2.ellipse(vessel, (160, 140), (38, 13), 0, 0, 360, 1.0, -1)
    depth = np.full((H, W), 0.6, np.float32)
    image[POST] = 70  # a post standing in front of the cup, in the steam's way
    depth[POST] = 0.2
    return image, SceneAnalysis(depth=depth, masks={"vessel": vessel})


def steam(frames: int = 24, seed: int = 1, scene: SceneAnalysis | None = None) -> tuple[np.ndarray, list[np.ndarray]]:
    image, cup = cup_scene()
    plan = MotionPlan(camera=STILL, regions=(RegionEffect(kind="steam", strength=0.6, direction="up"),))
    return image, render_all(prepare_plan(request_for(image, frames=frames, fps=12, seed=seed), plan, scene or cup))


def test_steam_rises_above_the_cup_and_nowhere_else() -> None:
    image, frames = steam()
    assert np.array_equal(frames[0], image), "frame 0 is the photo"
    above = (slice(40, 125), slice(110, 210))
    lift = [float(f[above].astype(int).mean() - image[above].astype(int).mean()) for f in frames]
    assert lift[-1] > 4.0, f"steam must visibly lighten the dark air above the cup ({lift[-1]:.2f} levels)"
    change = [float(np.abs(a[above].astype(int) - b[above].astype(int)).mean()) for a, b in zip(frames[8:], frames[9:])]
    assert min(change) > 0.3, "the steam must keep moving, not hang as a still veil"
    for far in ((slice(None), slice(0, 30)), (slice(None), slice(290, None)), (slice(165, None), slice(None))):
        assert all(np.array_equal(f[far], image[far]) for f in frames), "steam drawn away from its cup"


def test_nothing_is_drawn_over_the_cup_unless_asked() -> None:
    image, cup = cup_scene()
    frames = render_all(prepare_plan(request_for(image, frames=12), MotionPlan(camera=STILL), cup))
    assert all(np.array_equal(f, image) for f in frames)


def test_steam_wisps_travel_upward() -> None:
    _, frames = steam(frames=30)
    band = (slice(30, 120), slice(110, 210))
    a, b = (cv2.cvtColor(frames[k], cv2.COLOR_RGB2GRAY)[band].astype(np.float32) for k in (20, 23))
    flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    assert float(np.median(flow[..., 1])) < -0.2, "wisps must rise (negative y)"


def test_steam_is_the_same_for_a_seed_and_differs_between_seeds() -> None:
    _, first = steam(seed=5)
    _, again = steam(seed=5)
    _, other = steam(seed=6)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[-1], other[-1])


def test_no_steam_without_a_place_for_it() -> None:
    """A scene with neither flames, a cup nor a clear subject: nothing is drawn, and the plan says
    nothing of steam (the planner's note comes from the same finder)."""
    image, _ = cup_scene()
    plan = MotionPlan(camera=STILL, regions=(RegionEffect(kind="steam", strength=1.0),))
    prepared = prepare_plan(request_for(image, frames=12), plan, SceneAnalysis(depth=np.full((H, W), 0.5, np.float32)))
    assert all(np.array_equal(f, image) for f in render_all(prepared))
    assert list(prepared.plan["regions"]) == []


def test_what_stands_in_front_of_the_steam_is_not_covered() -> None:
    """The depth proxy puts the post nearer than the cup: the steam rises behind it."""
    image, frames = steam()
    assert all(np.array_equal(f[POST], image[POST]) for f in frames)


@pytest.mark.parametrize("confident", [True, False])
def test_smoke_rises_from_flames_only_when_the_fire_detector_is_sure(confident: bool) -> None:
    image = np.full((H, W, 3), 60, np.uint8)
    fire = np.zeros((H, W), np.float32)
    fire[130:160, 140:180] = 1.0
    image[fire > 0] = (250, 150, 40)
    scene = SceneAnalysis(depth=np.full((H, W), 0.5, np.float32), masks={"fire": fire},
                          elements=frozenset({"fire"} if confident else set()))
    plan = MotionPlan(camera=STILL, regions=(RegionEffect(kind="smoke", strength=0.8),))
    frames = render_all(prepare_plan(request_for(image, frames=24, fps=12), plan, scene))
    above = (slice(70, 128), slice(145, 175))
    change = float(np.abs(frames[-1][above].astype(int) - image[above]).mean())
    assert (change > 3.0) == confident, change
    below = (slice(165, None), slice(None))
    assert all(np.array_equal(f[below], image[below]) for f in frames)


def landscape_scene() -> SceneAnalysis:
    return SceneAnalysis(depth=landscape_depth(W, H), masks={"sky": sky_mask(W, H)}, elements=frozenset({"sky"}),
                         horizon=0.4)


@pytest.mark.parametrize("kind", ["fog", "heat"])
def test_fog_and_shimmer_lie_along_the_horizon_not_on_the_near_ground_or_high_sky(kind: str) -> None:
    image = landscape(W, H)
    plan = MotionPlan(camera=STILL, regions=(RegionEffect(kind=kind, strength=0.8, direction="right"),))
    frames = render_all(prepare_plan(request_for(image, frames=24, fps=12), plan, landscape_scene()))
    assert np.array_equal(frames[0], image)
    horizon = (slice(int(0.4 * H), int(0.55 * H)), slice(None))
    moved = [float(np.abs(a[horizon].astype(int) - b[horizon].astype(int)).mean()) for a, b in zip(frames[6:], frames[7:])]
    assert min(moved) > 0.1, f"{kind} must keep moving along the horizon"
    assert float(np.abs(frames[-1][horizon].astype(int) - image[horizon]).mean()) > 1.5
    for untouched in ((slice(0, int(0.15 * H)), slice(None)), (slice(int(0.85 * H), None), slice(None))):
        assert all(np.array_equal(f[untouched], image[untouched]) for f in frames), f"{kind} drawn far from its band"


def test_fog_drifts_the_named_way() -> None:
    """The fog's density, read where its bed is even, moves along the named direction over time."""
    image = landscape(W, H)
    shifts = []
    for direction in ("left", "right"):
        plan = MotionPlan(camera=STILL, regions=(RegionEffect(kind="fog", strength=1.0, speed=2.0, direction=direction),))
        fog = prepare_plan(request_for(image, frames=24, fps=12), plan, landscape_scene()).renderer.added[0]
        grid = fog.grid
        rows = slice(int(0.41 * grid.small_height), int(0.45 * grid.small_height))  # above the subject block
        a, b = (fog.opacity_at(grid.small_xs, grid.small_ys, t)[rows] for t in (1.0, 1.5))
        shifts.append(travel(a, b) * grid.divisor)
    assert shifts[0] <= -2 and shifts[1] >= 2, shifts


def travel(a: np.ndarray, b: np.ndarray, reach: int = 12) -> int:
    """How many columns the content of `a` moved to become `b` (best correlation)."""
    inner = slice(reach, a.shape[1] - reach)
    return max(range(-reach, reach + 1),
               key=lambda s: float(np.corrcoef(a[:, inner].ravel(), b[:, reach + s : a.shape[1] - reach + s].ravel())[0, 1]))


def test_a_looping_plume_closes_its_loop() -> None:
    """Looping: the noise travels whole tiles and the sway whole cycles, and the fade closes at the seam."""
    image, cup = cup_scene()
    plan = MotionPlan(camera=STILL, regions=(RegionEffect(kind="steam", strength=0.6),), loop=True)
    frames = render_all(prepare_plan(request_for(image, frames=36, fps=12), plan, cup))
    seam = float(np.abs(frames[-1].astype(int) - frames[0].astype(int)).mean())
    step = float(np.abs(frames[18].astype(int) - frames[17].astype(int)).mean())
    assert seam <= step + 0.05, (seam, step)


@pytest.mark.parametrize("flat", [False, True])
@pytest.mark.parametrize("camera", [STILL, CameraMove(kind="push_in"), CameraMove(kind="pan", direction="left")])
def test_shimmer_folded_into_the_warp_is_the_shimmer_drawn_on_the_finished_frame(camera: CameraMove, flat: bool) -> None:
    """The renderer folds the heat shimmer into the warp that makes the frame (with parallax, into
    both layers'; a flat move resamples the band's window again); drawn instead on the frame warped
    without it, by its own remap, it moves the same pixels the same way. The photo is softened: on a
    hard edge resampling once (folded) stays sharper than twice (drawn), the point, not a difference."""
    image = cv2.GaussianBlur(landscape(W, H), (0, 0), 1.5)
    plan = MotionPlan(camera=camera, regions=(RegionEffect(kind="heat", strength=0.8),))
    renderer = prepare_plan(request_for(image, frames=24, fps=12), plan, landscape_scene()).renderer
    if flat:  # the same move without its depth layers
        renderer = dataclasses.replace(renderer, parallax=None)
    (heat,) = renderer.added
    bare = dataclasses.replace(renderer, added=())
    for index in (6, 12, 23):
        band = heat.footprint(index)
        band[:, :4] = band[:, -4:] = False  # at the frame's edge the two read different borders
        without = bare.render(index)
        drawn = without.copy()
        heat.draw(drawn, index, renderer.camera.poses[index])
        by_draw = drawn[band].astype(np.float32) - without[band]
        by_fold = renderer.render(index)[band].astype(np.float32) - without[band]
        assert float(np.abs(by_draw).mean()) > 1.0, "the shimmer moves its band"
        assert 0.8 < float(np.abs(by_fold).mean() / np.abs(by_draw).mean()) < 1.25
        assert float(np.corrcoef(by_fold.ravel(), by_draw.ravel())[0, 1]) > 0.95


def test_fog_in_a_studio_portrait_stays_off_the_person() -> None:
    """On skimage's astronaut, "fog drifts slowly" veiled her face and turned her black collar grey:
    the depth proxy reads the pale face as far as the backdrop, and the salient-subject mask is
    not the person. Fog now stays off a head and body under each portrait-sized face."""
    from stillmotion.engines.motion import MotionEngine
    from stillmotion.engines.motion.scene import analyze_scene
    from stillmotion.engines.motion.scene_faces import find_faces
    from stillmotion.pipeline.produce import frame_input

    data = pytest.importorskip("skimage.data")
    image = frame_input(np.ascontiguousarray(data.astronaut()), "720p")
    scene = analyze_scene(image)
    request = dataclasses.replace(request_for(image, frames=24, fps=12, prompt="static camera, fog drifts slowly"),
                                  scene=scene)
    prepared = MotionEngine().prepare(request)
    assert [region["kind"] for region in prepared.plan["regions"]] == ["fog"]
    frames = render_all(prepared)
    (face,) = find_faces(image, min_share=0.12)
    h, w = image.shape[:2]
    box = (slice(int(face.y * h), int((face.y + 1.6 * face.height) * h)),  # the face and the collar below it
           slice(int(face.x * w), int((face.x + face.width) * w)))
    assert float(np.abs(frames[-1][box].astype(int) - image[box]).mean()) < 0.5, "fog drawn over her face"
    backdrop = (slice(0, int(0.3 * h)), slice(int(0.75 * w), int(0.85 * w)))  # the backdrop beside the shuttle
    assert float(np.abs(frames[-1][backdrop].astype(int) - image[backdrop]).mean()) > 1.5, "no fog on the backdrop"
