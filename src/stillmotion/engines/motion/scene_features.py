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

    @property
    def height(self) -> int:
        return int(self.rgb.shape[0])

    @property
    def width(self) -> int:
        return int(self.rgb.shape[1])


def compute_features(rgb: np.ndarray) -> Features:
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255.0
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
    )


def _gradients(gray: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    # Sobel's 3x3 kernel weighs a unit step 4: divide so gradients are in gray units per pixel.
    grad_x = (cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3) / 4.0).astype(np.float32)
    grad_y = (cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3) / 4.0).astype(np.float32)
    return grad_x, grad_y


def _texture(grad_x: np.ndarray, grad_y: np.ndarray) -> np.ndarray:
    texture: np.ndarray = cv2.GaussianBlur(cv2.magnitude(grad_x, grad_y), (0, 0), TEXTURE_SIGMA)
    return texture
