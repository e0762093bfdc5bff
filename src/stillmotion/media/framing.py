"""Aspect buckets and cover-crop: the output frame size follows the image (SPEC "Output video").

The API reads the size table (its OpenAPI description, create's checks) and never crops, so
OpenCV and numpy (~75 MB, ~1 s to import) are imported by `cover_crop`, in the worker, not here."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

# (width, height) per resolution and aspect bucket; the hosted service's three ratios.
FRAME_SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "720p": {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (720, 720)},
    "1080p": {"16:9": (1920, 1080), "9:16": (1080, 1920), "1:1": (1080, 1080)},
}
_BUCKET_RATIOS = {"16:9": 16 / 9, "9:16": 9 / 16, "1:1": 1.0}


def aspect_bucket(width: int, height: int) -> str:
    """The bucket nearest the image's ratio, compared in log space so 2:1 and 1:2 are symmetric."""
    ratio = math.log(width / height)
    return min(_BUCKET_RATIOS, key=lambda name: abs(math.log(_BUCKET_RATIOS[name]) - ratio))


def frame_size(resolution: str, width: int, height: int) -> tuple[int, int]:
    """Output (width, height) for an image of the given size at `resolution` ("720p"/"1080p")."""
    return FRAME_SIZES[resolution][aspect_bucket(width, height)]


def cover_crop(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Scale `image` (H, W, 3 uint8) to cover `width` x `height`, then crop the centre.

    INTER_AREA when shrinking avoids aliasing; Lanczos when enlarging keeps edges crisp.
    """
    import cv2
    import numpy as np

    src_h, src_w = image.shape[:2]
    scale = max(width / src_w, height / src_h)
    scaled_w = max(width, round(src_w * scale))
    scaled_h = max(height, round(src_h * scale))
    interpolation = cv2.INTER_AREA if scale < 1 else cv2.INTER_LANCZOS4
    scaled = cv2.resize(image, (scaled_w, scaled_h), interpolation=interpolation)
    x0 = (scaled_w - width) // 2
    y0 = (scaled_h - height) // 2
    return np.ascontiguousarray(scaled[y0 : y0 + height, x0 : x0 + width])
