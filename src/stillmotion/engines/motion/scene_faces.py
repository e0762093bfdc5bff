"""Finding frontal faces: the scene analysis tells a studio backdrop from a sky by them and keeps
fog off the people, and the prompt enhancer knows a photo is of people.

Here, beside the scene analysis and not in `stillmotion.prompts`, so that analysing a scene
does not import the enhancer (httpx and the LLM client: 0.15-0.3 s of CPU in a process's first
scene analysis, a render's serial start, for a module that needs only OpenCV).

OpenCV 5's wheels no longer carry the Haar cascades (`cv2.data` is empty), so
the package ships one: Rainer Lienhart's `haarcascade_frontalface_alt2.xml`
from OpenCV's data directory (Intel License Agreement, BSD-style), gzipped;
OpenCV's FileStorage reads `.xml.gz` directly. It needs no model download and
runs in milliseconds on a 256 px image.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import NamedTuple

import cv2
import numpy as np

_CASCADE_FILE = "haarcascade_frontalface_alt2.xml.gz"
_DETECT_SIDE = 256
"""Faces are found on the image shrunk to this longest side: big enough for a
face that is at least ~8% of the frame (the people a prompt should be about),
small enough to take a few milliseconds."""
_MIN_FACE_PX = 20
_MIN_NEIGHBOURS = 5
"""Higher than OpenCV's default of 3: a missed face costs a generic camera move,
a false face on foliage or rock costs a wrong "portrait"."""


class FaceBox(NamedTuple):
    """A face's box in fractions of the image: left, top, width, height."""

    x: float
    y: float
    width: float
    height: float


class _FaceCounter:
    """A loaded cascade behind a lock: OpenCV does not promise that concurrent
    `detectMultiScale` calls on one classifier are safe, and worker threads share it."""

    def __init__(self) -> None:
        ref = resources.files("stillmotion.engines.motion").joinpath("data", _CASCADE_FILE)
        with resources.as_file(ref) as path:
            self._cascade = cv2.CascadeClassifier(str(path))
        if self._cascade.empty():
            raise RuntimeError(f"could not load the bundled face cascade {_CASCADE_FILE}")
        self._lock = threading.Lock()

    def find(self, image: np.ndarray, min_share: float) -> list[FaceBox]:
        grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        scale = _DETECT_SIDE / max(grey.shape)
        if min_share > 0:  # shrink until the smallest face wanted fills the cascade's window
            scale = min(scale, _MIN_FACE_PX / (min_share * grey.shape[1]))
        if scale < 1.0:
            grey = cv2.resize(grey, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        grey = cv2.equalizeHist(grey)
        with self._lock:
            found = self._cascade.detectMultiScale(
                grey,
                scaleFactor=1.1,
                minNeighbors=_MIN_NEIGHBOURS,
                minSize=(_MIN_FACE_PX, _MIN_FACE_PX),
            )
        small_h, small_w = grey.shape
        return [
            FaceBox(x / small_w, y / small_h, w / small_w, h / small_h)
            for x, y, w, h in (tuple(map(int, box)) for box in found)
        ]


@lru_cache(maxsize=1)
def _counter() -> _FaceCounter:
    return _FaceCounter()


def find_faces(image: np.ndarray, min_share: float = 0.0) -> list[FaceBox]:
    """Frontal faces in an RGB uint8 image, as boxes in fractions of its size.

    `min_share`: the smallest face width wanted, as a share of the image's width; a caller
    that only cares about portraits skips the small scales, most of the cascade's time.
    """
    return _counter().find(image, min_share)


HEAD_SCALE = 1.7
"""A head (hair, ears, chin) is this many face boxes wide and tall around the box's centre."""
BODY_WIDTH = 3.4
"""The shoulders and torso below a face span this many face widths."""


def people_mask(faces: Sequence[tuple[float, float, float, float]], height: int, width: int) -> np.ndarray:
    """Where the people of these face boxes (x, y, width, height in fractions) are, float32 0..1.

    A head around each face and a body below it down to the frame's bottom edge: a portrait's
    person, roughly, which is enough to keep fog and heat shimmer "in the distance" off her (the
    depth proxy reads a pale face as far as the backdrop behind it)."""
    mask = np.zeros((height, width), np.float32)
    for box in faces:
        _ellipse(mask, box, HEAD_SCALE)
        x, y, face_width, face_height = box
        cx, half = (x + face_width / 2) * width, face_width * width * BODY_WIDTH / 2
        cv2.rectangle(mask, (int(cx - half), int((y + face_height) * height)), (int(cx + half), height - 1), 1.0, -1)
    return _softened(mask)


def face_mask(faces: Sequence[tuple[float, float, float, float]], height: int, width: int) -> np.ndarray:
    """The faces themselves (float32 0..1): what a push-in on a portrait closes on."""
    mask = np.zeros((height, width), np.float32)
    for box in faces:
        _ellipse(mask, box, 1.0)
    return _softened(mask)


def _ellipse(mask: np.ndarray, box: tuple[float, float, float, float], scale: float) -> None:
    height, width = mask.shape
    x, y, face_width, face_height = box
    centre = (int((x + face_width / 2) * width), int((y + face_height / 2) * height))
    axes = (int(face_width * width * scale / 2), int(face_height * height * scale / 2))
    cv2.ellipse(mask, centre, axes, 0, 0, 360, 1.0, -1)


def _softened(mask: np.ndarray) -> np.ndarray:
    if not mask.any():
        return mask
    soft = max(3, int(round(0.03 * max(mask.shape))) | 1)
    return cv2.GaussianBlur(mask, (soft, soft), 0)


def count_faces(image: np.ndarray) -> int:
    """Number of frontal faces in an RGB uint8 image."""
    return len(find_faces(image))
