"""Draw a labelled log-magnitude spectrogram PNG with numpy, scipy and OpenCV (no matplotlib)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from scipy.signal import stft

from stillmotion.audio import SAMPLE_RATE

_TOP_HZ = 16_000
_DYNAMIC_RANGE_DB = 80.0
_HEIGHT = 256
_MARGIN = 40


def write_spectrogram(samples: np.ndarray, path: Path, title: str, curve: np.ndarray | None = None) -> Path:
    """Time left to right, 0–16 kHz bottom to top, 80 dB of range in the magma colour map.

    A per-frame driving `curve` (0..1), when given, is drawn over it in cyan.
    """
    freqs, _, z = stft(samples.mean(axis=1), fs=SAMPLE_RATE, nperseg=1024, noverlap=768)
    power_db = 20.0 * np.log10(np.abs(z[freqs <= _TOP_HZ]) + 1e-10)
    level = np.clip((power_db - (power_db.max() - _DYNAMIC_RANGE_DB)) / _DYNAMIC_RANGE_DB, 0.0, 1.0)
    picture = cv2.resize(
        (level[::-1] * 255).astype(np.uint8), (level.shape[1] * 2, _HEIGHT), interpolation=cv2.INTER_AREA
    )
    coloured = cv2.applyColorMap(picture, cv2.COLORMAP_MAGMA)
    canvas = np.full((_HEIGHT + 2 * _MARGIN, coloured.shape[1] + _MARGIN + 10, 3), 255, np.uint8)
    canvas[_MARGIN : _MARGIN + _HEIGHT, _MARGIN : _MARGIN + coloured.shape[1]] = coloured
    if curve is not None:
        xs = _MARGIN + np.linspace(0, coloured.shape[1] - 1, curve.size)
        ys = _MARGIN + _HEIGHT - 1 - np.clip(curve, 0.0, 1.0) * (_HEIGHT - 1)
        points = np.stack([xs, ys], axis=1).astype(np.int32)
        cv2.polylines(canvas, [points], isClosed=False, color=(255, 255, 0), thickness=2, lineType=cv2.LINE_AA)
    font = cv2.FONT_HERSHEY_SIMPLEX
    cv2.putText(canvas, title, (_MARGIN, 25), font, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
    for khz in (0, 4, 8, 12, 16):
        y = _MARGIN + _HEIGHT - int(_HEIGHT * khz * 1000 / _TOP_HZ)
        cv2.putText(canvas, f"{khz}k", (2, y + 4), font, 0.4, (0, 0, 0), 1, cv2.LINE_AA)
    seconds = samples.shape[0] / SAMPLE_RATE
    cv2.putText(
        canvas, f"0 s .. {seconds:.1f} s", (_MARGIN, _HEIGHT + _MARGIN + 25), font, 0.45, (0, 0, 0), 1, cv2.LINE_AA
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # a 64-colour palette: a third of the bytes of full RGB, no visible loss on a colour-mapped picture
    Image.fromarray(canvas[:, :, ::-1]).quantize(colors=64).save(path, optimize=True)
    return path
