"""Bring a generated frame to the output size: Lanczos resampling, then gentle sharpening.

Models generate at about 480p or 720p; outputs are 720p or 1080p. Lanczos keeps
edges crisp without the blur of bilinear scaling, and an unsharp mask whose
strength grows with the zoom restores the acutance the enlargement spreads out.
A model's grid may not match the output aspect exactly (832x464 for 16:9, 0.8%
wider): the engine stretched the input onto that grid, so a plain resize here
undoes the stretch and keeps the input's framing, where a crop would shift it.
"""

from __future__ import annotations

import cv2
import numpy as np

_SHARPEN_PER_ZOOM = 0.5
"""Unsharp amount per unit of enlargement (0.27 at 720p from 832x464, 0.5 at 2x)."""
_MAX_SHARPEN = 0.6
"""Above this, halos appear along strong edges."""
_SIGMA_PER_ZOOM = 1.0
"""Blur radius of the unsharp mask: one source pixel, in output pixels. That is the detail scale
the enlargement softened; a smaller radius would only sharpen the interpolation's own ringing."""


def upscale(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """RGB uint8 frame of any size -> exactly (height, width, 3)."""
    if frame.shape[:2] == (height, width):
        return frame
    zoom = max(width / frame.shape[1], height / frame.shape[0])
    interpolation = cv2.INTER_AREA if zoom < 1 else cv2.INTER_LANCZOS4  # no aliasing when shrinking
    resized = cv2.resize(frame, (width, height), interpolation=interpolation)
    amount = min(_MAX_SHARPEN, _SHARPEN_PER_ZOOM * (zoom - 1))
    if amount <= 0:
        return resized
    blurred = cv2.GaussianBlur(resized, (0, 0), _SIGMA_PER_ZOOM * zoom)
    return cv2.addWeighted(resized, 1 + amount, blurred, -amount, 0)
