"""Motion-compensated interpolation puts moving things where they are at the in-between time.

A textured square glides over a textured background at 16 fps; we retime it to
30 fps and locate the square in every output frame by template matching, against
where the square truly is at that instant. Frame repetition (what a naive
retimer does) is measured on the same clip as the baseline the flow must beat.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from stillmotion.media.interpolate import (
    FramePair,
    estimate_flow,
    flow_estimator,
    retime,
    source_positions,
)

WIDTH, HEIGHT, SIDE = 192, 96, 32
SPEED = (7.5, 2.25)  # pixels per source frame (x, y): sub-pixel on purpose
START = (12.0, 24.0)  # the square stays fully inside the frame for the whole second
SOURCE_FPS, OUT_FPS, OUT_FRAMES = 16, 30, 30
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "media"


def _texture(height: int, width: int, seed: int) -> np.ndarray:
    """Smoothed noise: trackable detail at every scale, like a photograph."""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    return cv2.GaussianBlur(noise, (0, 0), 1.5)


BACKGROUND = _texture(HEIGHT, WIDTH, 1)
SQUARE = cv2.convertScaleAbs(_texture(SIDE, SIDE, 2), alpha=1.6, beta=-60)  # more contrast than the background


def _position(time_in_source_frames: float) -> tuple[float, float]:
    return START[0] + SPEED[0] * time_in_source_frames, START[1] + SPEED[1] * time_in_source_frames


def _scene(time_in_source_frames: float) -> np.ndarray:
    x, y = _position(time_in_source_frames)
    shift = np.float32([[1, 0, x], [0, 1, y]])
    square = cv2.warpAffine(SQUARE, shift, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
    mask = cv2.warpAffine(np.ones((SIDE, SIDE), np.float32), shift, (WIDTH, HEIGHT), flags=cv2.INTER_LINEAR)
    blended = BACKGROUND * (1 - mask[..., None]) + square * mask[..., None]
    return np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def _locate(frame: np.ndarray) -> tuple[float, float]:
    """Top-left of the square, sub-pixel (parabola through the match peak and its neighbours)."""
    scores = cv2.matchTemplate(frame, SQUARE, cv2.TM_SQDIFF_NORMED)
    _, _, (px, py), _ = cv2.minMaxLoc(scores)

    def refine(left: float, centre: float, right: float) -> float:
        curvature = left - 2 * centre + right
        return 0.0 if curvature == 0 else 0.5 * (left - right) / curvature

    dx = refine(*scores[py, px - 1 : px + 2]) if 0 < px < scores.shape[1] - 1 else 0.0
    dy = refine(*scores[py - 1 : py + 2, px]) if 0 < py < scores.shape[0] - 1 else 0.0
    return px + dx, py + dy


def _position_errors(frames: list[np.ndarray], positions: np.ndarray) -> np.ndarray:
    errors = []
    for frame, position in zip(frames, positions, strict=True):
        found, truth = _locate(frame), _position(float(position))
        errors.append(float(np.hypot(found[0] - truth[0], found[1] - truth[1])))
    return np.array(errors)


def test_source_positions_follow_time_and_stretch_when_the_clip_is_short() -> None:
    positions = source_positions(30, 30, 17, 16)
    assert positions[0] == 0 and positions[15] == pytest.approx(8.0)  # 0.5 s = source frame 8
    stretched = source_positions(30, 30, 9, 16)  # 9 source frames cannot cover 1 s: span them
    assert stretched[-1] == pytest.approx(8.0) and np.all(np.diff(stretched) > 0)


def test_retimed_16_to_30_fps_places_the_moving_square_within_half_a_pixel() -> None:
    source = [_scene(float(index)) for index in range(17)]
    positions = source_positions(OUT_FRAMES, OUT_FPS, len(source), SOURCE_FPS)
    interpolated = list(retime(source, positions))
    repeated = [source[round(p)] for p in positions]

    flow_error = _position_errors(interpolated, positions)
    repeat_error = _position_errors(repeated, positions)
    truth = [_scene(float(p)) for p in positions]
    between = [i for i, p in enumerate(positions) if p != round(p)]  # synthesised frames only
    psnr = np.mean([cv2.PSNR(interpolated[i], truth[i]) for i in between])

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    strip = np.concatenate([np.concatenate([truth[i], interpolated[i]], axis=0) for i in (1, 3, 5)], axis=1)
    cv2.imwrite(str(ARTIFACTS / "interpolate_truth_vs_flow.png"), cv2.cvtColor(strip, cv2.COLOR_RGB2BGR))
    print(
        f"\nsquare position error, flow: mean {flow_error.mean():.3f} px, max {flow_error.max():.3f} px;"
        f" frame repetition: mean {repeat_error.mean():.3f} px, max {repeat_error.max():.3f} px;"
        f" PSNR vs truth {psnr:.1f} dB; strip: {ARTIFACTS / 'interpolate_truth_vs_flow.png'}"
    )
    assert len(interpolated) == OUT_FRAMES
    assert flow_error.mean() < 0.5 and flow_error.max() < 1.0
    assert repeat_error.mean() > 4 * flow_error.mean()
    assert psnr > 30


def test_visibility_marks_background_uncovered_behind_a_moving_square() -> None:
    # One big step (3 source frames, 22.5 px): the strip the square uncovers is wider than DIS's patches.
    pair = FramePair(_scene(0.0), _scene(3.0))
    (ax, ay), (bx, by) = (_position(0.0), _position(3.0))
    rows = slice(int(by) + 4, int(ay) + SIDE - 4)  # rows the square covers in both frames
    uncovered = pair.visible_b[rows, int(ax) + 2 : int(bx) - 2]  # in B: background that A's square hid
    open_background = pair.visible_b[rows, int(bx) + SIDE + 12 : WIDTH - 4]  # far right: never covered
    print(f"\nvisibility: uncovered strip {uncovered.mean():.2f}, open background {open_background.mean():.2f}")
    assert uncovered.mean() < 0.3
    assert open_background.mean() > 0.9


def test_flow_of_a_large_frame_is_estimated_small_and_scaled_back_exactly() -> None:
    """A 1280-wide frame takes the downscaled path; the flow must still be in full-frame pixels."""
    big = cv2.resize(_texture(180, 320, 3), (1280, 720), interpolation=cv2.INTER_CUBIC)
    shift = (6.5, -3.25)
    moved = cv2.warpAffine(big, np.float32([[1, 0, shift[0]], [0, 1, shift[1]]]), (1280, 720),
                           borderMode=cv2.BORDER_REFLECT)
    flow = estimate_flow(flow_estimator(), big, moved)
    inner = flow[40:-40, 40:-40].reshape(-1, 2)
    assert flow.shape == (720, 1280, 2)
    assert np.allclose(np.median(inner, axis=0), shift, atol=0.25)
