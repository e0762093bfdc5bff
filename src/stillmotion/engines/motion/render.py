"""Frame composition: camera (with parallax), region motion and heat shimmer in one warp, then
the added effects drawn on it (steam, smoke, fog, twinkle, rays, ripples: `added_effects.py`), then
particles.

Work stays on uint8 frames inside OpenCV, resampled as RGBA (OpenCV's bilinear
warps are vectorised for four channels, not three: ~2x faster) and turned back
into RGB once per frame. A flat camera move with nothing else is one
`warpAffine` (sub-pixel: never integer crops); region motion and a
refraction's displacement (`added_effects.Refraction`) fold into a `remap` of
the same pass (a refraction alone resamples just the window it moves); a move
with depth goes through the two-layer parallax warp. Frame 0 of every plan is the identity pose with every effect at rest,
returned as an exact copy of the input.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from stillmotion.engines.motion.added_effects import AddedEffect, Refraction
from stillmotion.engines.motion.camera import CameraPath, CameraPose
from stillmotion.engines.motion.fields import FieldGrid
from stillmotion.engines.motion.parallax import ParallaxWarp
from stillmotion.engines.motion.particles import ParticleSystem
from stillmotion.engines.motion.regions import RegionAnimator, RegionFields
from stillmotion.engines.motion.warp import (
    Residual,
    apply_gain,
    copy_positions,
    sample,
    source_positions,
)

# Bilinear: ~6 ms at 1080p against ~15 ms for cubic (research notes, section 3.11). On
# two cores every render millisecond is taken from x264, and a push-in magnifies by
# at most a few tenths, where the two differ by less than the encoder's own loss.
CAMERA_INTERPOLATION = cv2.INTER_LINEAR
REGION_INTERPOLATION = cv2.INTER_LINEAR


def is_identity(pose: CameraPose, width: int, height: int) -> bool:
    cx, cy = (width - 1) / 2.0, (height - 1) / 2.0
    return pose.zoom == 1.0 and pose.center == (cx, cy) and not pose.has_parallax


def warp_flat(image: np.ndarray, pose: CameraPose) -> np.ndarray:
    """The pose's zoom-and-pan of `image`, sub-pixel, at the image's own size."""
    height, width = image.shape[:2]
    return cv2.warpAffine(
        image,
        pose.affine(width, height),
        (width, height),
        flags=CAMERA_INTERPOLATION | cv2.WARP_INVERSE_MAP,
        # The overscan keeps samples inside; reflection only guards the last half pixel.
        borderMode=cv2.BORDER_REFLECT_101,
    )


@dataclass
class FrameRenderer:
    """Everything time-independent, prepared once; `render(k)` is a pure function of k."""

    image: np.ndarray
    camera: CameraPath
    grid: FieldGrid | None = None
    parallax: ParallaxWarp | None = None
    regions: RegionAnimator | None = None
    particles: ParticleSystem | None = None
    added: tuple[AddedEffect, ...] = ()
    """What the photo lacks, drawn on the warped frame (`added_effects.py`), before the particles;
    a `Refraction` among them (heat shimmer) is folded into the warp instead."""
    rgba: np.ndarray = field(init=False, repr=False)
    """The image with a fourth channel, the source every warp resamples."""
    refractions: tuple[Refraction, ...] = field(init=False, repr=False)
    drawn: tuple[AddedEffect, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rgba = cv2.cvtColor(self.image, cv2.COLOR_RGB2RGBA)
        # Without a grid there is no coarse field to fold a displacement into: it is drawn.
        folds = [self.grid is not None and isinstance(effect, Refraction) for effect in self.added]
        self.refractions = tuple(effect for effect, fold in zip(self.added, folds) if fold)
        self.drawn = tuple(effect for effect, fold in zip(self.added, folds) if not fold)

    def render(self, index: int) -> np.ndarray:
        height, width = self.image.shape[:2]
        pose = self.camera.poses[index]
        fields = self.regions.fields(index) if self.regions is not None else None
        screen = self._screen(index, pose)
        if self.parallax is not None and pose.has_parallax:
            frame = cv2.cvtColor(self.parallax.warp(pose, fields, screen), cv2.COLOR_RGBA2RGB)
        elif fields is not None:
            frame = cv2.cvtColor(self._warp_regions(pose, fields, screen), cv2.COLOR_RGBA2RGB)
        else:
            if is_identity(pose, width, height):
                frame = self.image.copy()
            else:
                frame = cv2.cvtColor(warp_flat(self.rgba, pose), cv2.COLOR_RGBA2RGB)
            if screen is not None:
                self._refract(frame, pose, screen)
        for effect in self.drawn:
            effect.draw(frame, index, pose)
        if self.particles is not None:
            frame = self.particles.draw(frame, index, pose)
        return frame

    def _screen(self, index: int, pose: CameraPose) -> Residual:
        """The refractions' displacement of the frame at `index` (coarse, output px), or None."""
        total = None
        for effect in self.refractions:
            shifts = effect.screen_shifts(index, pose)
            if shifts is not None:
                total = shifts if total is None else (total[0] + shifts[0], total[1] + shifts[1])
        return total

    def _warp_regions(self, pose: CameraPose, fields: RegionFields, screen: Residual) -> np.ndarray:
        """A flat camera move with the regions' motion and the `screen` displacement folded into
        the same remap (RGBA)."""
        assert self.grid is not None
        copies = copy_positions(self.grid, pose, None, fields, screen)
        frame = sample(self.rgba, self.grid, copies, fields.weights, REGION_INTERPOLATION)
        if fields.gain is not None:
            apply_gain(frame, self.grid, source_positions(self.grid, pose, None), fields.gain)
        return frame

    def _refract(self, frame: np.ndarray, pose: CameraPose, screen: tuple[np.ndarray, np.ndarray]) -> None:
        """The window of a flat move's `frame` that the `screen` displacement moves, resampled from
        the photo again through the displaced positions (once, as the rest of the frame was), in
        place: the rest of the frame keeps its one `warpAffine` (or its copy, standing still)."""
        assert self.grid is not None
        roi = self.grid.cell_box((screen[0] != 0.0) | (screen[1] != 0.0), margin=1)
        if roi is None:
            return
        x0, y0, x1, y1 = roi
        copies = copy_positions(self.grid, pose, None, None, screen)
        window = sample(self.rgba, self.grid, copies, (1.0,), REGION_INTERPOLATION, roi)
        frame[y0:y1, x0:x1] = cv2.cvtColor(window, cv2.COLOR_RGBA2RGB)
