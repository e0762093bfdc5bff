"""Scenes drawn in code, so scene-analysis tests need no photographs.

Each returns an RGB uint8 image with the regions a test expects at known
places; textures come from a seeded generator so the images are fixed.
"""

from __future__ import annotations

import cv2
import numpy as np


def _texture(rng: np.random.Generator, height: int, width: int, scale: float) -> np.ndarray:
    """Blurred noise: leaves and grass are mid-frequency clutter, not pixel noise."""
    noise = rng.standard_normal((height, width)).astype(np.float32)
    return cv2.GaussianBlur(noise, (0, 0), scale)


def _sky(height: int, width: int) -> np.ndarray:
    """Deep blue at the top fading to pale blue at the horizon."""
    t = np.linspace(0.0, 1.0, height, dtype=np.float32)[:, None, None]
    top, bottom = np.array([40, 90, 200], np.float32), np.array([150, 190, 235], np.float32)
    return np.repeat(top + (bottom - top) * t, width, axis=1)


def sky_over_ground(height: int = 270, width: int = 480, horizon: float = 0.4) -> np.ndarray:
    """Blue gradient sky over green textured ground (grass)."""
    rng = np.random.default_rng(1)
    image = np.zeros((height, width, 3), np.float32)
    split = int(horizon * height)
    image[:split] = _sky(split, width)
    detail = _texture(rng, height - split, width, 1.2)[..., None]
    grass = np.array([60, 130, 45], np.float32) + 45.0 * detail * np.array([0.6, 1.0, 0.5])
    image[split:] = grass
    return np.clip(image, 0, 255).astype(np.uint8)


def lake(height: int = 270, width: int = 480) -> np.ndarray:
    """Sky, a band of dark green hills, a lake mirroring both with ripples, a sandy shore."""
    rng = np.random.default_rng(2)
    image = np.zeros((height, width, 3), np.float32)
    sky_end, hills_end, lake_end = int(0.35 * height), int(0.45 * height), int(0.85 * height)
    image[:sky_end] = _sky(sky_end, width)
    hills = 30.0 * _texture(rng, hills_end - sky_end, width, 1.0)[..., None]
    image[sky_end:hills_end] = np.array([35, 80, 40], np.float32) + hills
    above = image[2 * hills_end - lake_end:hills_end][::-1]
    ripples = 6.0 * np.sin(np.arange(lake_end - hills_end, dtype=np.float32) * 1.3)[:, None, None]
    image[hills_end:lake_end] = 0.85 * above + ripples
    sand = 20.0 * _texture(rng, height - lake_end, width, 1.0)[..., None]
    image[lake_end:] = np.array([170, 150, 110], np.float32) + sand
    return np.clip(image, 0, 255).astype(np.uint8)


def flame_on_dark(height: int = 270, width: int = 480) -> np.ndarray:
    """A candle-like flame: orange teardrop with a yellow-white core on a dark room."""
    image = np.full((height, width, 3), (22, 18, 16), np.uint8)
    centre = (width // 2, int(0.55 * height))
    cv2.ellipse(image, centre, (18, 40), 0, 0, 360, (255, 120, 20), -1)
    cv2.ellipse(image, (centre[0], centre[1] + 10), (10, 22), 0, 0, 360, (255, 220, 120), -1)
    cv2.ellipse(image, (centre[0], centre[1] + 16), (5, 10), 0, 0, 360, (255, 250, 235), -1)
    return cv2.GaussianBlur(image, (0, 0), 1.5)


def grey_street(height: int = 270, width: int = 480) -> np.ndarray:
    """Overcast sky over a smooth grey road: sky-coloured, below the horizon, but no water."""
    image = np.zeros((height, width, 3), np.uint8)
    split = int(0.4 * height)
    image[:split] = (205, 208, 212)
    image[split:] = (150, 152, 155)
    for x in range(0, width, 60):  # lane marks converge: vertical structure, not ripples
        cv2.line(image, (width // 2, split), (x, height), (230, 230, 230), 2)
    return image


def sunset(height: int = 270, width: int = 480) -> np.ndarray:
    """Orange-to-pink sky with a low bright sun over dark hill silhouettes: sky, not fire."""
    image = np.zeros((height, width, 3), np.float32)
    split = int(0.55 * height)
    t = np.linspace(0.0, 1.0, split, dtype=np.float32)[:, None, None]
    top, bottom = np.array([200, 110, 140], np.float32), np.array([250, 160, 60], np.float32)
    image[:split] = np.repeat(top + (bottom - top) * t, width, axis=1)
    cv2.circle(image, (int(0.7 * width), split - 12), 14, (255, 230, 150), -1)
    hills = 0.5 + 0.5 * np.sin(np.linspace(0, 3 * np.pi, width))
    for x in range(width):
        image[split - int(18 * hills[x]):, x] = (30, 22, 28)
    return np.clip(cv2.GaussianBlur(image, (0, 0), 1.0), 0, 255).astype(np.uint8)


def figure_on_ground(height: int = 270, width: int = 480) -> np.ndarray:
    """A dark red upright figure standing on the grass, its head above the horizon."""
    image = sky_over_ground(height, width)
    left, right = int(0.44 * width), int(0.56 * width)
    top, feet = int(0.25 * height), int(0.9 * height)
    image[top:feet, left:right] = (150, 30, 35)
    return image
