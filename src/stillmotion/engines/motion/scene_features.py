"""Per-pixel features every scene detector shares, computed once per image."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

TEXTURE_SIGMA = 2.0
"""Gradient energy is averaged over ~5 px so texture means a region, not an edge."""
DENOISE_SIGMA = 1.0
"""Pre-blur for `denoised_texture`: cuts pixel noise ~3.5x (1/sqrt(4 pi sigma^2)) and keeps
structure wider than ~6 px (wood grain, fur) at 60-80 % of its gradient."""
CONTRAST_SIGMA = 4.0
"""Window of `contrast`: ~10 px, a few leaves at the working resolution."""
CONTRAST_FLOOR = 0.03
"""Gray level below which `contrast` stops dividing by the local mean: in near-black pixels
noise alone would make any patch look contrasty."""
GREEN_MIN_SUM = 45
"""R + G + B (0..765) below which a pixel's chromaticity is noise and `excess_green` is 0.
Absolute, not scaled with exposure: the black of skimage's Hubble deep field has a green
cast that a dark-frame floor would read as leaves."""
NORMAL_EXPOSURE = 0.8
"""`exposure` of a frame lit by day: its brightest twentieth reaches ~80 % of white."""


@dataclass(frozen=True)
class Features:
    rgb: np.ndarray
    """uint8 (h, w, 3) working copy."""
    hsv: np.ndarray
    """uint8, OpenCV ranges: hue 0..180, saturation and value 0..255."""
    lab: np.ndarray
    """float32 CIELAB, L 0..100."""
    gray: np.ndarray
    """float32 0..1."""
    grad_x: np.ndarray
    grad_y: np.ndarray
    texture: np.ndarray
    """float32: local mean gradient magnitude (gray units per pixel)."""
    denoised_texture: np.ndarray
    """float32: the same measured on a lightly blurred copy, so that sensor noise on a smooth
    gradient (a sunset sky in a small or noisy photo) does not read as texture."""
    contrast: np.ndarray
    """float32: local standard deviation of gray over its local mean (Weber contrast). A
    tree has the same contrast in sun, in shade and at dusk, where its gradients are a third
    or a tenth as strong; a clear sky or a painted wall has almost none. Measured on the
    lightly blurred copy: sensor noise on a dark wall would otherwise read as contrast."""
    exposure: float
    """95th percentile of value (max of R, G, B) over 0..1: how bright the frame's lit parts
    are. Thresholds on brightness scale with it, so a scene at dusk reads as it does by day."""
    excess_green: np.ndarray
    """float32: (2G - R - B) / (R + G + B), the excess-green vegetation index (Woebbecke et
    al. 1995), set to 0 where green does not lead red. Leaves score 0.05-0.7 in sun, shade
    and dusk, teal or yellow-green; skies, water, skin, wood and grey mostly below 0.05."""

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])


def compute_features(rgb: np.ndarray) -> Features:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
    exposure = float(np.percentile(rgb.max(axis=2), 95)) / 255.0
    grad_x, grad_y = _gradients(gray)
    texture = _texture(grad_x, grad_y)
    denoised = cv2.GaussianBlur(gray, (0, 0), DENOISE_SIGMA)
    denoised_texture = _texture(*_gradients(denoised))
    return Features(
        rgb=rgb,
        hsv=cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV),
        lab=cv2.cvtColor(rgb.astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab),
        gray=gray,
        grad_x=grad_x,
        grad_y=grad_y,
        texture=texture,
        denoised_texture=denoised_texture,
        contrast=_contrast(denoised),
        exposure=exposure,
        excess_green=_excess_green(rgb),
    )


def _contrast(gray: np.ndarray) -> np.ndarray:
    mean = cv2.GaussianBlur(gray, (0, 0), CONTRAST_SIGMA)
    variance = cv2.GaussianBlur(gray * gray, (0, 0), CONTRAST_SIGMA) - mean * mean
    contrast: np.ndarray = np.sqrt(np.maximum(variance, 0.0)) / np.maximum(mean, CONTRAST_FLOOR)
    return contrast.astype(np.float32)


def _excess_green(rgb: np.ndarray) -> np.ndarray:
    red, green, blue = (rgb[..., i].astype(np.float32) for i in range(3))
    total = red + green + blue
    index = (2.0 * green - red - blue) / np.maximum(total, 1.0)
    keep = (total >= GREEN_MIN_SUM) & (green >= red)
    return np.where(keep, index, 0.0).astype(np.float32)


def _gradients(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Sobel's 3x3 kernel weighs a unit step 4: divide so gradients are in gray units per pixel.
    grad_x = (cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3) / 4.0).astype(np.float32)
    grad_y = (cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3) / 4.0).astype(np.float32)
    return grad_x, grad_y


def _texture(grad_x: np.ndarray, grad_y: np.ndarray) -> np.ndarray:
    texture: np.ndarray = cv2.GaussianBlur(cv2.magnitude(grad_x, grad_y), (0, 0), TEXTURE_SIGMA)
    return texture
