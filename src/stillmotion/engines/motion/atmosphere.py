"""The shared drawing of the vapour effects (steam, smoke, fog, heat shimmer) on the finished frame.

Each is an added effect (`added_effects.AddedEffect`) whose look is a field
(opacity, or displacement for shimmer) that is a closed-form function of
(seed, t), evaluated on the coarse field grid and upsampled only over the window where it is not zero. It lives in the
scene, not on the screen: every coarse cell of the output is mapped back to
the photo (frame 0) point it shows through the frame's camera pose, at the
effect's own depth, so a push-in grows a plume with its cup and a pan slides
fog with the ground. Each fades in (`timing.fade_envelope`), as particles do,
so frame 0 is the input; a looping clip fades out again before the seam.
"""

from __future__ import annotations

from typing import Protocol

import cv2
import numpy as np

from stillmotion.engines.motion.camera import CameraPose
from stillmotion.engines.motion.fields import FieldGrid
from stillmotion.engines.motion.particles import FADE_SECONDS
from stillmotion.engines.motion.timing import fade_envelope

ALPHA_FLOOR = 2.0 / 255.0
"""Opacity below two grey levels changes a pixel by at most one level: cells under it are skipped
(the window to blend, a full-resolution pass, is what an added effect costs per frame)."""


def core(region: np.ndarray) -> np.ndarray:
    """Where a soft 0..1 anchor field reaches half its peak (bool): the part of a vapour effect's
    place that the visibility measurement counts (`visibility.measure_added`)."""
    return region >= 0.5 * float(region.max()) if region.size and region.max() > 0 else np.zeros(region.shape, bool)


def scene_points(grid: FieldGrid, pose: CameraPose | None, nearness: float) -> tuple[np.ndarray, np.ndarray]:
    """The photo point (full-resolution px) each coarse output cell shows, for content at nearness r.

    The camera's pixel mapping, as `particles.ParticleSystem.on_screen` inverts it:
    source = centre + shift r + (screen - C) / (zoom (1 + pz r)).
    """
    if pose is None:
        return grid.small_xs, grid.small_ys
    magnification = pose.zoom * (1.0 + pose.parallax_zoom * nearness)
    cx, cy = (grid.width - 1) / 2.0, (grid.height - 1) / 2.0
    ox = pose.center[0] + pose.parallax_shift[0] * nearness
    oy = pose.center[1] + pose.parallax_shift[1] * nearness
    inv = np.float32(1.0 / magnification)
    return (grid.small_xs - np.float32(cx)) * inv + np.float32(ox), (grid.small_ys - np.float32(cy)) * inv + np.float32(oy)


def sample_field(field: np.ndarray, x: np.ndarray, y: np.ndarray, width: int, height: int) -> np.ndarray:
    """A scene-resolution field read at full-resolution photo points (edges repeated)."""
    sx, sy = field.shape[1] / width, field.shape[0] / height
    u = ((x + 0.5) * sx - 0.5).astype(np.float32)
    v = ((y + 0.5) * sy - 0.5).astype(np.float32)
    return cv2.remap(field.astype(np.float32, copy=False), u, v, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


class Veil(Protocol):
    """A translucent layer of one colour (steam, smoke, fog): its opacity is its own, the drawing shared."""

    grid: FieldGrid
    fps: int
    num_frames: int
    loop: bool
    nearness: float
    colour: tuple[int, int, int]

    def opacity_at(self, x: np.ndarray, y: np.ndarray, t: float) -> np.ndarray:
        """Opacity 0..1 at photo points (x, y), time t (before the fade-in)."""


def draw_veil(veil: Veil, frame: np.ndarray, index: int, pose: CameraPose | None) -> None:
    """Frame `index` of `veil` blended onto `frame` in place, faded in like the particles."""
    fade = fade_envelope(index, veil.fps, veil.num_frames, veil.loop, FADE_SECONDS)
    if fade <= 0.0:
        return
    x, y = scene_points(veil.grid, pose, veil.nearness)
    alpha = veil.opacity_at(x, y, index / veil.fps) * np.float32(fade)
    blend_towards(frame, veil.grid, alpha, veil.colour)


def blend_towards(frame: np.ndarray, grid: FieldGrid, alpha: np.ndarray, colour: tuple[int, int, int]) -> np.ndarray:
    """`frame` moved toward `colour` (RGB) by the coarse opacity `alpha`, in place, over the window
    where the opacity shows only.

    frame * (1 - a) + colour * a in uint8 passes written straight into the frame's window: the
    window is most of a 1080p frame under fog, and float weights (`cv2.blendLinear`, a float
    opacity grown to full size, its complement) cost ~3x as much. The opacity is grown as uint8
    (1/255 steps) and each of the two terms rounds once: within 2 levels of the float blend.
    """
    roi = grid.cell_box(alpha >= ALPHA_FLOOR, margin=1)
    if roi is None:
        return frame
    x0, y0, x1, y1 = roi
    # Bilinear growth keeps the coarse 0..255 range; convertScaleAbs rounds and saturates.
    weight = grid.grow(cv2.convertScaleAbs(alpha, alpha=255.0), roi)
    window = frame[y0:y1, x0:x1]
    cv2.multiply(window, cv2.cvtColor(cv2.bitwise_not(weight), cv2.COLOR_GRAY2RGB), dst=window, scale=1.0 / 255.0)
    tint = cv2.multiply(cv2.cvtColor(weight, cv2.COLOR_GRAY2RGB), (*colour, 0.0), scale=1.0 / 255.0)
    cv2.add(window, tint, dst=window)
    return frame
