"""Camera moves: frame 0 is the input, moves go where the words say, eased, never a border."""

from __future__ import annotations

import numpy as np
import pytest

from stillmotion.engines.motion import MotionEngine
from stillmotion.engines.motion.camera import (
    CameraPose,
    _required_zoom,
    build_camera_path,
)
from stillmotion.engines.motion.engine import prepare_plan
from stillmotion.engines.motion.plan import CameraMove, MotionPlan
from tests.motion.harness import render_all, request_for
from tests.motion.measure import content_shift, psnr, zoom_between
from tests.motion.scenes import landscape

W, H = 320, 180


def camera_plan(kind: str, direction: str | None = None, **fields: float) -> MotionPlan:
    handheld = float(fields.pop("handheld", 0.0))
    return MotionPlan(camera=CameraMove(kind=kind, direction=direction, handheld=handheld), **fields)


def test_default_engine_streams_frames_starting_with_the_input() -> None:
    image = landscape(W, H)
    prepared = MotionEngine().prepare(request_for(image, frames=12))
    frames = render_all(prepared)
    assert len(frames) == 12
    assert all(f.shape == (H, W, 3) and f.dtype == np.uint8 for f in frames)
    assert psnr(frames[0], image) >= 38.0
    assert psnr(frames[-1], image) < 30.0, "the default push-in must move"
    assert prepared.plan["camera"]["kind"] == "push_in"
    assert prepared.audio_cues is not None and prepared.audio_cues.curves["camera"].shape == (12,)


@pytest.mark.parametrize(
    ("kind", "direction", "expected"),
    [("pan", "left", (1, 0)), ("pan", "right", (-1, 0)), ("tilt", "up", (0, 1)), ("tilt", "down", (0, -1))],
)
def test_pan_and_tilt_move_content_against_the_camera(kind: str, direction: str, expected: tuple[int, int]) -> None:
    frames = render_all(prepare_plan(request_for(landscape(W, H), frames=24, fps=6), camera_plan(kind, direction)))
    dx, dy = content_shift(frames[0], frames[-1])
    moved, other = (dx, dy) if expected[0] else (dy, dx)
    sign = expected[0] or expected[1]
    assert moved * sign > 1.0, (dx, dy)
    assert abs(other) < 0.1 * abs(moved), (dx, dy)


@pytest.mark.parametrize(("kind", "grows"), [("push_in", True), ("static", None)])
def test_zoom_scale_follows_the_move(kind: str, grows: bool | None) -> None:
    frames = render_all(prepare_plan(request_for(landscape(W, H), frames=24, fps=6), camera_plan(kind)))
    scale = zoom_between(frames[0], frames[-1])
    dx, dy = content_shift(frames[0], frames[-1])
    if grows:
        assert scale > 1.05
    else:
        assert abs(scale - 1.0) < 1e-3 and max(abs(dx), abs(dy)) < 0.05


def test_motion_is_eased_at_both_ends() -> None:
    path = build_camera_path(
        CameraMove(kind="push_in"), speed=1, strength=0.5, smoothing=0.5, loop=False,
        num_frames=60, fps=30, width=W, height=H, seed=1,
    )
    zoom = np.array([p.zoom for p in path.poses])
    velocity = np.diff(zoom)
    assert velocity[0] < 0.05 * velocity.max() and velocity[-1] < 0.05 * velocity.max()
    assert np.all(velocity >= 0)


def test_loop_returns_to_the_first_frame() -> None:
    plan = camera_plan("pan", "right", loop=True)
    path = build_camera_path(
        plan.camera, speed=1, strength=0.5, smoothing=0.5, loop=True,
        num_frames=24, fps=12, width=W, height=H, seed=1,
    )
    centres = np.array([p.center[0] for p in path.poses])
    assert np.ptp(centres) > 1.0
    # Around the seam (last frame -> first frame) the motion accelerates no more than anywhere else.
    accel = np.roll(centres, -1) - 2 * centres + np.roll(centres, 1)
    assert abs(accel[0]) <= np.abs(accel[1:]).max() * 1.001


@pytest.mark.parametrize(
    "move",
    [
        CameraMove(kind="push_in", handheld=1.0), CameraMove(kind="pan", direction="left", amount=1.0),
        CameraMove(kind="tilt", direction="down", amount=1.0, handheld=0.5), CameraMove(kind="static", handheld=1.0),
        CameraMove(kind="truck", direction="right"), CameraMove(kind="orbit", direction="left"),
        CameraMove(kind="dolly_zoom"), CameraMove(kind="pull_out"), CameraMove(kind="pedestal", direction="up"),
    ],
)
@pytest.mark.parametrize("depth_range", [None, (0.0, 1.0)])
def test_no_pose_samples_outside_the_image(move: CameraMove, depth_range: tuple[float, float] | None) -> None:
    path = build_camera_path(
        move, speed=2.0, strength=1.0, smoothing=0.2, loop=False, num_frames=90, fps=30,
        width=1920, height=1080, seed=3, depth_range=depth_range,
    )
    r_range = (0.0, 0.0) if depth_range is None else (path.focus - depth_range[1], path.focus - depth_range[0])
    assert path.poses[0] == CameraPose(zoom=1.0, center=(959.5, 539.5))
    for pose in path.poses:
        assert _required_zoom(pose, r_range, 1920, 1080) <= pose.zoom + 1e-9


def test_speed_words_scale_the_travel() -> None:
    def travel(speed: float) -> float:
        path = build_camera_path(
            CameraMove(kind="pan", direction="right"), speed=speed, strength=0.5, smoothing=0.5, loop=False,
            num_frames=60, fps=30, width=W, height=H, seed=1,
        )
        return path.poses[-1].center[0] - path.poses[0].center[0]

    assert travel(2.0) >= 2.0 * travel(0.5) * 1.9  # "fast" vs "slowly"
