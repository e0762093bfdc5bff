"""Sampling a source image through the camera and the region fields in one pass.

A frame's map is: exact affine of the pose (full resolution) + a coarse residual
(the layer's parallax) + the region displacement found where that pixel's
content comes from. Resampling once keeps the picture sharp and costs one
`remap` per copy (two copies only while a two-phase flow runs).
"""

from __future__ import annotations

import cv2
import numpy as np

from stillmotion.engines.motion.camera import CameraPose
from stillmotion.engines.motion.fields import FieldGrid, full_maps
from stillmotion.engines.motion.regions import RegionFields

Residual = tuple[np.ndarray, np.ndarray] | None
GAIN_EPSILON = 1e-3  # below a 0.1% brightness change the multiply is skipped


def sample_coarse(field: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return cv2.remap(field, x, y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def source_positions(grid: FieldGrid, pose: CameraPose, residual: Residual) -> tuple[np.ndarray, np.ndarray]:
    """Where each coarse output cell samples the source, in full-resolution pixels."""
    affine = pose.affine(grid.width, grid.height)
    x = grid.small_xs * np.float32(affine[0, 0]) + np.float32(affine[0, 2])
    y = grid.small_ys * np.float32(affine[1, 1]) + np.float32(affine[1, 2])
    if residual is not None:
        x, y = x + residual[0], y + residual[1]
    return x, y


def copy_residuals(
    grid: FieldGrid, pose: CameraPose, residual: Residual, fields: RegionFields | None
) -> list[Residual]:
    """The residual of each copy: the layer's own plus the region shift at its source point."""
    if fields is None:
        return [residual]
    x, y = grid.to_small(*source_positions(grid, pose, residual))
    copies: list[Residual] = []
    for dx, dy in fields.shifts:
        rx, ry = sample_coarse(dx, x, y), sample_coarse(dy, x, y)
        if residual is not None:
            rx, ry = rx + residual[0], ry + residual[1]
        copies.append((rx, ry))
    return copies


def sample(
    source: np.ndarray,
    grid: FieldGrid,
    pose: CameraPose,
    copies: list[Residual],
    weights: tuple[float, ...],
    interpolation: int,
    roi: tuple[int, int, int, int] | None = None,
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Remap `source` once per copy and cross-fade; also returns the first copy's maps."""
    affine = pose.affine(grid.width, grid.height)
    frames, first_maps = [], None
    for residual in copies:
        rx, ry = residual if residual is not None else (None, None)
        map_x, map_y = full_maps(grid, affine, rx, ry, roi)
        first_maps = first_maps or (map_x, map_y)
        frames.append(cv2.remap(source, map_x, map_y, interpolation, borderMode=cv2.BORDER_REFLECT_101))
    assert first_maps is not None
    if len(frames) == 1:
        return frames[0], first_maps
    return cv2.addWeighted(frames[0], weights[0], frames[1], weights[1], 0.0), first_maps


def apply_gain(frame: np.ndarray, grid: FieldGrid, pose: CameraPose, residual: Residual, gain: np.ndarray) -> None:
    """Multiply the frame's luminance by the (source-space) gain field, seen through the camera."""
    x, y = grid.to_small(*source_positions(grid, pose, residual))
    screen = sample_coarse(gain, x, y)
    rows, cols = np.nonzero(np.abs(screen - 1.0) > GAIN_EPSILON)
    if len(rows) == 0:
        return
    # One cell of margin around the cells that change, in full-resolution pixels.
    x0 = int(max(0, grid.small_xs[0, max(cols.min() - 1, 0)]))
    x1 = int(min(grid.width, grid.small_xs[0, min(cols.max() + 1, grid.small_width - 1)] + 1))
    y0 = int(max(0, grid.small_ys[max(rows.min() - 1, 0), 0]))
    y1 = int(min(grid.height, grid.small_ys[min(rows.max() + 1, grid.small_height - 1), 0] + 1))
    full = grid.grow(screen, (x0, y0, x1, y1))
    frame[y0:y1, x0:x1] = cv2.multiply(frame[y0:y1, x0:x1], cv2.merge([full] * 3), dtype=cv2.CV_8U)
