"""Synthetic scenes the motion tests render in code: no photos, no downloads.

A landscape: sky gradient with soft clouds over a textured ground, with a
darker "subject" block standing on the ground nearer the camera. Texture is
seeded noise, so phase correlation and ECC find a unique alignment.
"""

from __future__ import annotations

import cv2
import numpy as np


def landscape(width: int = 320, height: int = 180, seed: int = 7) -> np.ndarray:
    """RGB uint8: sky (top 40%) over textured ground, with a subject block near the centre."""
    rng = np.random.default_rng(seed)
    horizon = int(height * 0.4)
    image = np.zeros((height, width, 3), np.float32)
    rows = np.linspace(0.0, 1.0, horizon)[:, None]
    sky_top, sky_low = np.array([70, 120, 200], np.float32), np.array([170, 200, 235], np.float32)
    image[:horizon] = sky_top + (sky_low - sky_top) * rows[..., None]
    clouds = cv2.resize(rng.random((6, 12)).astype(np.float32), (width, horizon), interpolation=cv2.INTER_CUBIC)
    image[:horizon] += np.clip(clouds - 0.5, 0, 1)[..., None] * 120
    fine = cv2.resize(rng.random((height // 3, width // 3)).astype(np.float32), (width, height - horizon))
    coarse = cv2.resize(rng.random((12, 24)).astype(np.float32), (width, height - horizon), interpolation=cv2.INTER_CUBIC)
    ground = np.array([70, 110, 50], np.float32) + (fine * 60 + coarse * 50 - 55)[..., None]
    image[horizon:] = ground
    x0, x1, y0, y1 = int(width * 0.42), int(width * 0.58), int(height * 0.45), int(height * 0.85)
    image[y0:y1, x0:x1] = np.array([120, 60, 40], np.float32) + (fine[: y1 - y0, : x1 - x0] * 40)[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)


def landscape_depth(width: int = 320, height: int = 180) -> np.ndarray:
    """Depth matching `landscape`: sky far (1), ground from near (0) at the bottom to 0.7 at the horizon,
    the subject block standing upright at the ground's depth at its base."""
    horizon = int(height * 0.4)
    depth = np.ones((height, width), np.float32)
    depth[horizon:] = np.linspace(0.7, 0.0, height - horizon, dtype=np.float32)[:, None]
    x0, x1, y0, y1 = int(width * 0.42), int(width * 0.58), int(height * 0.45), int(height * 0.85)
    depth[y0:y1, x0:x1] = depth[y1 - 1, 0]
    return depth


def sky_mask(width: int = 320, height: int = 180) -> np.ndarray:
    mask = np.zeros((height, width), np.float32)
    mask[: int(height * 0.4)] = 1.0
    return mask


def band_mask(width: int, height: int, top: float, bottom: float, left: float = 0.0, right: float = 1.0) -> np.ndarray:
    """1 inside the rectangle given as fractions of the frame, 0 outside."""
    mask = np.zeros((height, width), np.float32)
    mask[int(height * top) : int(height * bottom), int(width * left) : int(width * right)] = 1.0
    return mask


def dark_texture(width: int = 320, height: int = 180, seed: int = 3) -> np.ndarray:
    """A dim textured backdrop on which light particles stand out."""
    rng = np.random.default_rng(seed)
    noise = cv2.resize(rng.random((height // 4, width // 4)).astype(np.float32), (width, height))
    return np.clip(20 + noise[..., None] * np.array([25, 30, 40], np.float32), 0, 255).astype(np.uint8)


def star_field(width: int = 480, height: int = 270, count: int = 40, seed: int = 5) -> tuple[np.ndarray, np.ndarray]:
    """RGB uint8 night sky: faint noise with `count` small Gaussian stars; and the stars' (n, 2) x, y."""
    rng = np.random.default_rng(seed)
    image = rng.normal(12.0, 3.0, (height, width, 1)).repeat(3, axis=2).astype(np.float32)
    stars = np.stack([rng.uniform(10, width - 10, count), rng.uniform(10, height - 10, count)], axis=1)
    ys, xs = np.mgrid[0:height, 0:width]
    for (x, y), level in zip(stars, rng.uniform(150, 240, count)):
        image += (level * np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * 0.9**2)))[..., None]
    return np.clip(image, 0, 255).astype(np.uint8), stars


def sunlit_trees(width: int = 480, height: int = 270) -> np.ndarray:
    """RGB uint8: a white sky with the sun, dark tree trunks and a canopy in front of it (gaps of
    sky between them), over a dark forest floor."""
    image = np.zeros((height, width, 3), np.float32)
    image[:] = np.array([40, 55, 35], np.float32)  # shade
    sky = int(height * 0.45)
    image[:sky] = np.array([235, 240, 245], np.float32)
    ys, xs = np.mgrid[0:sky, 0:width]
    image[:sky] += (20.0 * np.exp(-((xs - width * 0.6) ** 2 + (ys - sky * 0.3) ** 2) / (2 * (width * 0.08) ** 2)))[..., None]
    for x in range(width // 12, width, width // 6):  # trunks across the sky
        image[: int(height * 0.8), x : x + width // 30] = np.array([35, 30, 25], np.float32)
    return np.clip(image, 0, 255).astype(np.uint8)


def lit_lake(width: int = 320, height: int = 180, seed: int = 7) -> np.ndarray:
    """The landscape with the sun in its sky, a lake across the bottom fifth and a dozen lamps on the
    dark block: something for each of twinkle, light rays and rain ripples to anchor to."""
    rng = np.random.default_rng(seed)
    image = landscape(width, height, seed).astype(np.float32)
    ys, xs = np.mgrid[0:height, 0:width]
    image += (120.0 * np.exp(-((xs - 0.7 * width) ** 2 + (ys - 0.12 * height) ** 2) / (2 * (0.03 * width) ** 2)))[..., None]
    lake = int(0.8 * height)
    image[lake:] = np.array([55, 85, 110], np.float32) + rng.normal(0, 4, (height - lake, width, 1))
    image[int(height * 0.45) : int(height * 0.8), int(width * 0.42) : int(width * 0.58)] *= 0.35
    sigma = max(0.8, width / 1920 * 1.6)
    for x, y in zip(rng.uniform(0.43, 0.57, 12) * width, rng.uniform(0.47, 0.78, 12) * height):
        image += (230.0 * np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma**2)))[..., None]
    return np.clip(image, 0, 255).astype(np.uint8)
