"""The task's generation settings and the conditioning image on the model's native grid.

The input is stretched onto the native grid when the aspects nearly agree (and stretched back
by `upscale`, so the framing is kept exactly); a fixed-size checkpoint that cannot generate the
output's aspect gets the picture letterboxed over a blurred backdrop, cut away afterwards.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from stillmotion.media.framing import cover_crop
from stillmotion.media.upscale import upscale

_STRETCH_TOLERANCE = 0.02
"""Aspect mismatch up to which the input is stretched onto the native grid (and `upscale`
stretches back, keeping the framing exactly): 832x464 is 0.8% wider than 16:9."""
_BACKDROP_BLUR = 0.05
"""Blur of the backdrop around a letterboxed picture, as a share of the frame's longer side."""


@dataclass(frozen=True)
class GenerationSettings:
    width: int
    height: int
    box: tuple[int, int, int, int]
    """(x, y, width, height) of the native frame that holds the picture; the whole frame unless a
    fixed-size checkpoint (CogVideoX 1.0) gets an output aspect it cannot generate."""
    num_frames: int
    fps: float
    steps: int
    guidance_scale: float
    max_sequence_length: int


def picture_box(width: int, height: int, out_width: int, out_height: int) -> tuple[int, int, int, int]:
    """The largest centred region of a width x height frame with the output's aspect."""
    aspect = out_width / out_height
    if abs(width / height / aspect - 1) <= _STRETCH_TOLERANCE:
        return (0, 0, width, height)
    box_w, box_h = (round(height * aspect), height) if width / height > aspect else (width, round(width / aspect))
    return ((width - box_w) // 2, (height - box_h) // 2, box_w, box_h)


def condition_image(image: np.ndarray, settings: GenerationSettings) -> np.ndarray:
    """The input on the native grid: stretched onto it when the aspects agree, otherwise placed in
    its box over a blurred, cover-cropped copy of itself (a backdrop the model can animate plausibly
    and that is cut away afterwards)."""
    x, y, width, height = settings.box
    if (width, height) == (settings.width, settings.height):
        return upscale(image, width, height)  # shrinks (area-averaged) in practice: output > native
    backdrop = cover_crop(image, settings.width, settings.height)
    backdrop = cv2.GaussianBlur(backdrop, (0, 0), _BACKDROP_BLUR * max(settings.width, settings.height))
    backdrop[y : y + height, x : x + width] = upscale(image, width, height)
    return backdrop
