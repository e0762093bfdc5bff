"""Photo-like test images drawn in code: a sky gradient over textured ground, with detail to track."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image


def landscape(width: int, height: int, seed: int = 0) -> np.ndarray:
    """RGB uint8: blue sky, a horizon at 45 %, green textured ground, a few high-contrast shapes."""
    rng = np.random.default_rng(seed)
    image = np.zeros((height, width, 3), np.float32)
    horizon = int(height * 0.45)
    t = np.linspace(0, 1, horizon)[:, None]
    image[:horizon] = (np.array([70, 130, 220]) * (1 - t) + np.array([190, 215, 240]) * t)[:, None, :]
    ground = rng.normal(0, 18, (height - horizon, width, 1)) + np.array([60, 120, 50])
    image[horizon:] = ground
    for _ in range(12):  # houses/rocks: edges and corners for motion estimation
        x, y = rng.integers(0, width - 40), rng.integers(horizon, height - 30)
        w, h = rng.integers(20, max(21, width // 8)), rng.integers(15, max(16, height // 8))
        image[y : y + h, x : x + w] = rng.integers(30, 230, 3)
    return np.clip(image, 0, 255).astype(np.uint8)


def encode(image: np.ndarray, fmt: str = "JPEG", **options: object) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=fmt, **options)
    return buffer.getvalue()


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)
