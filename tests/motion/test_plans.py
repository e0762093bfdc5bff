"""Whole plans: deterministic in the seed, frame 0 is the input, loops close, contact sheets saved."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from stillmotion.engines.motion import MotionEngine
from stillmotion.engines.motion.engine import prepare_plan
from stillmotion.engines.motion.plan import (
    CameraMove,
    MotionPlan,
    ParticleEffect,
    RegionEffect,
)
from stillmotion.engines.motion.scene import SceneAnalysis
from tests.motion.harness import render_all, request_for
from tests.motion.measure import dense_flow, psnr
from tests.motion.scenes import band_mask, landscape, landscape_depth, sky_mask

W, H = 320, 180
FULL = MotionPlan(
    camera=CameraMove(kind="push_in", handheld=0.5),
    regions=(RegionEffect(kind="sky", direction="right"), RegionEffect(kind="foliage", strength=0.8)),
    particles=(ParticleEffect(kind="snow"),),
)
SHEETS = {
    "push-in-parallax": MotionPlan(camera=CameraMove(kind="push_in", amount=1.0)),
    "truck-right": MotionPlan(camera=CameraMove(kind="truck", direction="right", amount=1.0)),
    "orbit-left": MotionPlan(camera=CameraMove(kind="orbit", direction="left", amount=1.0)),
    "dolly-zoom": MotionPlan(camera=CameraMove(kind="dolly_zoom", amount=1.0)),
    "pull-out": MotionPlan(camera=CameraMove(kind="pull_out", amount=1.0)),
    "full": FULL,
    "rain-static": MotionPlan(camera=CameraMove(kind="static"), particles=(ParticleEffect(kind="rain"),)),
    "fire-fireflies": MotionPlan(
        camera=CameraMove(kind="static", handheld=0.3), regions=(RegionEffect(kind="fire", strength=1.0),),
        particles=(ParticleEffect(kind="fireflies", density=1.0),),
    ),
}


def scene(width: int = W, height: int = H) -> SceneAnalysis:
    return SceneAnalysis(
        depth=landscape_depth(width, height),
        masks={
            "sky": sky_mask(width, height),
            "foliage": band_mask(width, height, 0.45, 1.0, 0.0, 0.3),
            "fire": band_mask(width, height, 0.6, 0.8, 0.45, 0.55),
            "water": band_mask(width, height, 0.85, 1.0),
            "subject": band_mask(width, height, 0.45, 0.85, 0.42, 0.58),
        },
    )


def render(plan: MotionPlan, seed: int = 1, frames: int = 24) -> list[np.ndarray]:
    return render_all(prepare_plan(request_for(landscape(W, H), frames=frames, seed=seed), plan, scene()))


def test_same_seed_same_frames_other_seed_other_variation() -> None:
    first, again, other = render(FULL, 5), render(FULL, 5), render(FULL, 6)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert psnr(first[-1], other[-1]) < 35.0, "another seed must give a visibly different variation"
    assert np.array_equal(first[0], other[0])


@pytest.mark.parametrize("name", list(SHEETS))
def test_frame_zero_is_the_input_and_contact_sheet(name: str, artifacts: Path) -> None:
    frames = render(SHEETS[name])
    assert psnr(frames[0], landscape(W, H)) >= 38.0
    assert psnr(frames[-1], frames[0]) < 40.0, "the plan must move something"
    sheet = np.concatenate([frames[0], frames[len(frames) // 2], frames[-1]], axis=1)
    path = artifacts / f"{name}.png"
    cv2.imwrite(str(path), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    print(f"contact sheet: {path}")


def test_parallax_moves_near_more_than_far() -> None:
    """Truck right: everything slides left, the near subject further than the far ground behind it."""
    frames = render(MotionPlan(camera=CameraMove(kind="truck", direction="right")))
    flow = dense_flow(frames[11], frames[12])[..., 0]  # mid-move, where it is fastest
    near = float(flow[int(H * 0.5) : int(H * 0.8), int(W * 0.45) : int(W * 0.55)].mean())  # the subject
    far = float(flow[int(H * 0.42) : int(H * 0.47)].mean())  # ground at the horizon
    sky = float(flow[: int(H * 0.3)].mean())
    assert near < far < sky < 0.0, (near, far, sky)
    assert near < 1.2 * far, "near content must slide clearly further than far content"


def test_loop_last_frame_flows_into_the_first() -> None:
    plan = MotionPlan(
        camera=CameraMove(kind="pan", direction="right"), loop=True,
        regions=(RegionEffect(kind="water"), RegionEffect(kind="foliage")),
        particles=(ParticleEffect(kind="snow"),),
    )
    frames = render(plan, frames=36)
    steps = [np.abs(b.astype(np.int16) - a).mean() for a, b in zip(frames, frames[1:] + frames[:1])]
    assert steps[-1] <= 1.5 * float(np.median(steps[1:-1])), steps


def test_engine_reads_the_prompt_and_the_image() -> None:
    prepared = MotionEngine().prepare(
        request_for(landscape(W, H), frames=12, prompt="clouds drift to the right, snow falls, slow pan left")
    )
    assert prepared.plan["camera"]["kind"] == "pan" and prepared.plan["camera"]["direction"] == "left"
    assert [p["kind"] for p in prepared.plan["particles"]] == ["snow"]
    cues = prepared.audio_cues
    assert cues is not None and {"camera", "rain", "water", "fire", "wind"} <= set(cues.curves)
    assert all(len(curve) == 12 for curve in cues.curves.values())
    frames = render_all(prepared)
    assert psnr(frames[0], landscape(W, H)) >= 38.0


def test_speed_words_change_the_speed_at_least_twofold() -> None:
    from tests.motion.measure import content_shift

    def shift(prompt: str) -> float:
        prepared = MotionEngine().prepare(request_for(landscape(W, H), frames=24, fps=6, prompt=prompt))
        frames = render_all(prepared)
        # Speed at the middle of the move, between neighbouring frames: a small step ECC tracks well.
        return abs(content_shift(frames[11], frames[12])[0])

    assert shift("pan left fast") >= 2.0 * shift("pan left slowly")


@pytest.mark.parametrize("kind", ["push_in", "pull_out", "truck", "pedestal", "orbit", "dolly_zoom"])
def test_parallax_layers_never_sample_outside_the_image(kind: str) -> None:
    from stillmotion.engines.motion.fields import full_maps
    from stillmotion.engines.motion.warp import copy_positions

    plan = MotionPlan(camera=CameraMove(kind=kind, direction="left" if kind in ("truck", "orbit") else "up",
                                        amount=1.0, handheld=0.5))
    prepared = prepare_plan(request_for(landscape(W, H), frames=24, seed=2), plan, scene())
    parallax = prepared.renderer.parallax
    assert parallax is not None
    layers = [parallax.background] + ([parallax.foreground] if parallax.foreground is not None else [])
    for pose in prepared.renderer.camera.poses:
        for layer in layers:
            (positions,) = copy_positions(parallax.grid, pose, parallax.residual(layer, pose), None)
            map_x, map_y = full_maps(parallax.grid, *positions, layer.roi)
            assert map_x.min() >= -0.5 and map_x.max() <= W - 0.5, (kind, map_x.min(), map_x.max())
            assert map_y.min() >= -0.5 and map_y.max() <= H - 0.5, (kind, map_y.min(), map_y.max())


def test_cancelling_stops_between_frames() -> None:
    from stillmotion.errors import TaskCancelled
    from stillmotion.pipeline.context import TaskContext

    ctx = TaskContext()
    stream = prepare_plan(request_for(landscape(W, H), frames=12), FULL, scene()).frames(ctx)
    next(stream)
    ctx.cancel()
    with pytest.raises(TaskCancelled):
        next(stream)


def test_audio_cues_follow_the_picture() -> None:
    plan = MotionPlan(
        camera=CameraMove(kind="push_in"),
        regions=(RegionEffect(kind="water"), RegionEffect(kind="fire"), RegionEffect(kind="foliage")),
        particles=(ParticleEffect(kind="rain", density=0.8),),
    )
    prepared = prepare_plan(request_for(landscape(W, H), frames=48, fps=12), plan, scene())
    cues = prepared.audio_cues
    assert cues is not None and cues.elements == {"water", "fire", "foliage", "rain"}
    curves = cues.curves
    assert curves["camera"][0] == 0.0 and curves["camera"][-1] == pytest.approx(1.0)
    assert curves["rain"][0] == 0.0 and curves["rain"][-1] == pytest.approx(0.8)  # fades in with the drops
    for name in ("water", "fire", "wind"):
        assert 0.0 <= curves[name].min() and curves[name].max() <= 1.0 and np.ptp(curves[name]) > 0.1, name


@pytest.mark.parametrize("size", [(W, H), (1920, 1080)], ids=["320x180", "1080p"])
def test_skipping_the_plate_under_an_opaque_foreground_changes_no_pixel(
    monkeypatch: pytest.MonkeyPatch, size: tuple[int, int]
) -> None:
    """Rows the foreground hides from edge to edge skip the plate's resampling: the frames must
    be exactly those of resampling it everywhere, with 1 px grid cells (320x180) and 8 px (1080p)."""
    from stillmotion.engines.motion.parallax import ParallaxWarp

    width, height = size
    depth = np.ones((height, width), np.float32)
    depth[int(height * 0.35) :] = 0.1  # a near, full-width foreground below a far backdrop
    plan = MotionPlan(camera=CameraMove(kind="truck", direction="left", amount=1.0),
                      regions=(RegionEffect(kind="foliage"),))
    foliage = band_mask(width, height, 0.4, 1.0, 0.0, 0.5)
    scene_with_step = SceneAnalysis(depth=depth, masks={"foliage": foliage})
    covered = []
    original = ParallaxWarp.covered_rows

    def spy(self: ParallaxWarp, *args: object) -> tuple[int, int] | None:
        rows = original(self, *args)  # type: ignore[arg-type]
        covered.append(rows)
        return rows

    monkeypatch.setattr(ParallaxWarp, "covered_rows", spy)
    # A long clip: the truck's reach, and with it the foreground's opaque band, grows with the travel.
    fast = render_all(prepare_plan(request_for(landscape(width, height), frames=48), plan, scene_with_step))
    assert sum(rows is not None for rows in covered) >= 24, covered
    monkeypatch.setattr(ParallaxWarp, "covered_rows", lambda self, *args: None)
    slow = render_all(prepare_plan(request_for(landscape(width, height), frames=48), plan, scene_with_step))
    for index, (a, b) in enumerate(zip(fast, slow)):
        assert np.array_equal(a, b), (index, covered[index - 1] if index else None)
