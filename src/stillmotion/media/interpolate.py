"""Motion-compensated frame interpolation: any frame rate from any other, without ghosting.

For an in-between time t (0 < t < 1) between frames A and B:
1. DIS optical flow both ways (A->B and B->A), on grey levels, at the frames' size.
2. Forward-backward consistency: a pixel of A whose flow lands on a pixel of B
   that flows back to it is visible in both; where the round trip misses, it is
   occluded in the other frame (it goes behind something or leaves the picture).
3. Flows from time t back to A and to B, from the two flows by the linear-motion
   approximation of Super SloMo (Jiang et al., CVPR 2018, eq. 4).
4. Backward warps of A and B (and of their visibility maps) to time t.
5. Blend weighted by temporal distance and visibility, so a region seen in only
   one frame is taken from that frame alone instead of cross-fading into a ghost.

`retime` maps a clip onto new timestamps and yields frames one at a time; the
flows of a pair are computed once (`FramePair`) and reused for each in-between.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

import cv2
import numpy as np

_CONSISTENCY_PX = 1.0
"""Round-trip flow error (pixels) below which a pixel counts as visible in both frames."""
_CONSISTENCY_REL = 0.05
"""Plus this share of the motion's magnitude: fast motion has proportionally larger flow error."""
_EXACT = 1e-6
"""Positions this close to an integer take the source frame itself, untouched."""


def source_positions(num_frames: int, fps: float, source_frames: int, source_fps: float) -> np.ndarray:
    """Where each output frame falls on the source clip's frame axis (in source frame units).

    Output frame i shows time i / fps. If the source clip is too short for the requested
    duration (a model's frame limit), its span is stretched over the output instead of
    freezing the end.
    """
    if num_frames <= 1:
        return np.zeros(num_frames)
    step = source_fps / fps
    if (num_frames - 1) * step > source_frames - 1:
        step = (source_frames - 1) / (num_frames - 1)
    return np.arange(num_frames) * step


def flow_estimator(preset: int = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM) -> cv2.DISOpticalFlow:
    """DIS optical flow: dense, sub-pixel, and fast enough on a CPU for 720p at video rates."""
    return cv2.DISOpticalFlow.create(preset)


class FramePair:
    """Two neighbouring frames with their flows both ways and visibility maps, computed once
    and reused for every in-between time of the pair."""

    def __init__(self, a: np.ndarray, b: np.ndarray, estimator: cv2.DISOpticalFlow | None = None) -> None:
        estimator = estimator or flow_estimator()
        self.a, self.b = a, b
        grey_a = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)
        grey_b = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)
        self.flow_ab = estimator.calc(grey_a, grey_b, None)
        self.flow_ba = estimator.calc(grey_b, grey_a, None)
        self.visible_a = visibility(self.flow_ab, self.flow_ba)
        self.visible_b = visibility(self.flow_ba, self.flow_ab)

    def at(self, t: float) -> np.ndarray:
        """The frame at fraction t of the way from `a` to `b` (uint8 RGB, same size)."""
        if t <= _EXACT:
            return self.a
        if t >= 1 - _EXACT:
            return self.b
        # Flows from time t to each frame (Super SloMo's linear-motion estimate).
        flow_ta = -(1 - t) * t * self.flow_ab + t * t * self.flow_ba
        flow_tb = (1 - t) * (1 - t) * self.flow_ab - t * (1 - t) * self.flow_ba
        warped_a = backward_warp(self.a.astype(np.float32), flow_ta)
        warped_b = backward_warp(self.b.astype(np.float32), flow_tb)
        weight_a = (1 - t) * backward_warp(self.visible_a, flow_ta)
        weight_b = t * backward_warp(self.visible_b, flow_tb)
        # Where neither frame is trusted (both warps land in occlusions), fall back to time weights.
        unknown = weight_a + weight_b < 1e-3
        weight_a = np.where(unknown, 1 - t, weight_a)
        weight_b = np.where(unknown, t, weight_b)
        total = weight_a + weight_b
        blended = (warped_a * weight_a[..., None] + warped_b * weight_b[..., None]) / total[..., None]
        return np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def backward_warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample `image` at x + flow(x) (bilinear, edges clamped)."""
    height, width = flow.shape[:2]
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    return cv2.remap(
        image, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def visibility(flow_forward: np.ndarray, flow_backward: np.ndarray) -> np.ndarray:
    """1.0 where a pixel's forward flow is undone by the backward flow at its target, else 0.0.

    Pixels whose target lies outside the other frame are occluded by definition.
    """
    height, width = flow_forward.shape[:2]
    round_trip = flow_forward + backward_warp(flow_backward, flow_forward)
    error = np.linalg.norm(round_trip, axis=2)
    magnitude = np.linalg.norm(flow_forward, axis=2)
    grid_x, grid_y = np.meshgrid(np.arange(width), np.arange(height))
    target_x = grid_x + flow_forward[..., 0]
    target_y = grid_y + flow_forward[..., 1]
    inside = (target_x >= 0) & (target_x <= width - 1) & (target_y >= 0) & (target_y <= height - 1)
    consistent = error <= _CONSISTENCY_PX + _CONSISTENCY_REL * magnitude
    return (consistent & inside).astype(np.float32)


def retime(frames: Sequence[np.ndarray], positions: Sequence[float] | np.ndarray) -> Iterator[np.ndarray]:
    """Yield one frame per position on `frames`' axis (see `source_positions`), interpolating between neighbours."""
    estimator = flow_estimator()
    pair: FramePair | None = None
    last = len(frames) - 1
    for position in positions:
        position = min(max(float(position), 0.0), float(last))
        index = min(math.floor(position + _EXACT), last)
        fraction = position - index
        if fraction <= _EXACT or index == last:
            yield frames[index]
            continue
        if pair is None or pair.a is not frames[index]:
            pair = FramePair(frames[index], frames[index + 1], estimator)
        yield pair.at(fraction)
