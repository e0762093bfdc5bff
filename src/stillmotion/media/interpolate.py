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

import functools
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
_FLOW_MAX_WIDTH = 640
"""Flow is estimated on frames at most this wide and scaled back up: motion between generated
frames is smooth and large-scale, so a 832-wide frame's flow at half size is as good, 4x sooner."""


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
        self.flow_ab = estimate_flow(estimator, a, b)
        self.flow_ba = estimate_flow(estimator, b, a)
        self.visible_a = visibility(self.flow_ab, self.flow_ba)
        self.visible_b = visibility(self.flow_ba, self.flow_ab)
        self._a32, self._b32 = a.astype(np.float32), b.astype(np.float32)

    def at(self, t: float) -> np.ndarray:
        """The frame at fraction t of the way from `a` to `b` (uint8 RGB, same size)."""
        if t <= _EXACT:
            return self.a
        if t >= 1 - _EXACT:
            return self.b
        # Flows from time t to each frame (Super SloMo's linear-motion estimate).
        flow_ta = -(1 - t) * t * self.flow_ab + t * t * self.flow_ba
        flow_tb = (1 - t) * (1 - t) * self.flow_ab - t * (1 - t) * self.flow_ba
        warped_a = backward_warp(self._a32, flow_ta)
        warped_b = backward_warp(self._b32, flow_tb)
        weight_a = (1 - t) * backward_warp(self.visible_a, flow_ta)
        weight_b = t * backward_warp(self.visible_b, flow_tb)
        total = weight_a + weight_b
        # Share of A per pixel; where neither frame is trusted (both warps land in occlusions),
        # fall back to plain time weights.
        share_a = np.divide(weight_a, total, out=np.full_like(total, 1 - t), where=total >= 1e-3)
        blended = warped_b + (warped_a - warped_b) * share_a[..., None]
        return np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def estimate_flow(estimator: cv2.DISOpticalFlow, source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Dense flow from `source` to `target` (RGB uint8) in pixels of the full frame."""
    height, width = source.shape[:2]
    scale = min(1.0, _FLOW_MAX_WIDTH / width)
    small = (max(1, round(width * scale)), max(1, round(height * scale)))
    grey = [cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY) for frame in (source, target)]
    if scale < 1:
        grey = [cv2.resize(frame, small, interpolation=cv2.INTER_AREA) for frame in grey]
    flow: np.ndarray = estimator.calc(grey[0], grey[1], None)  # type: ignore[call-overload]  # stub lacks None
    if scale < 1:
        flow = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR) / scale
    return flow


@functools.lru_cache(maxsize=4)
def _pixel_grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    grid_x, grid_y = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    grid_x.flags.writeable = grid_y.flags.writeable = False  # shared between calls
    return grid_x, grid_y


def backward_warp(image: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """Sample `image` at x + flow(x) (bilinear, edges clamped)."""
    grid_x, grid_y = _pixel_grid(*flow.shape[:2])
    return cv2.remap(
        image, grid_x + flow[..., 0], grid_y + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )


def visibility(flow_forward: np.ndarray, flow_backward: np.ndarray) -> np.ndarray:
    """1.0 where a pixel's forward flow is undone by the backward flow at its target, else 0.0.

    Pixels whose target lies outside the other frame are occluded by definition.
    """
    height, width = flow_forward.shape[:2]
    round_trip = flow_forward + backward_warp(flow_backward, flow_forward)
    error = cv2.magnitude(round_trip[..., 0], round_trip[..., 1])
    magnitude = cv2.magnitude(flow_forward[..., 0], flow_forward[..., 1])
    grid_x, grid_y = _pixel_grid(height, width)
    target_x = grid_x + flow_forward[..., 0]
    target_y = grid_y + flow_forward[..., 1]
    inside = (target_x >= 0) & (target_x <= width - 1) & (target_y >= 0) & (target_y <= height - 1)
    consistent = error <= _CONSISTENCY_PX + _CONSISTENCY_REL * magnitude
    return (consistent & inside).astype(np.float32)


def retime(frames: Sequence[np.ndarray] | np.ndarray, positions: Sequence[float] | np.ndarray) -> Iterator[np.ndarray]:
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
