"""Measurements the motion tests make on rendered frames."""

from __future__ import annotations

import cv2
import numpy as np


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(255.0**2 / mse)


def gray(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)


def affine_to(reference: np.ndarray, frame: np.ndarray, init: np.ndarray | None = None) -> np.ndarray:
    """ECC estimate of the 2x3 affine warp W with frame(W(x)) ~ reference(x).

    W maps a pixel of `reference` to where that content sits in `frame`.
    """
    warp = np.eye(2, 3, dtype=np.float32) if init is None else init.astype(np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 200, 1e-7)
    _, warp = cv2.findTransformECC(gray(reference), gray(frame), warp, cv2.MOTION_AFFINE, criteria, None, 5)
    return warp


def content_shift(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """How far the content at the centre of `a` moved in `b` (dx, dy): positive dx = moved right."""
    warp = affine_to(a, b)
    centre = np.array([(a.shape[1] - 1) / 2.0, (a.shape[0] - 1) / 2.0, 1.0])
    dx, dy = warp @ centre - centre[:2]
    return float(dx), float(dy)


def zoom_between(a: np.ndarray, b: np.ndarray) -> float:
    """Scale of `b`'s content relative to `a`'s (> 1: content grew)."""
    return float(np.sqrt(abs(np.linalg.det(affine_to(a, b)[:, :2]))))


def dense_flow(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Farneback flow a -> b (h, w, 2), for region motion checks at small sizes."""
    return cv2.calcOpticalFlowFarneback(
        cv2.cvtColor(a, cv2.COLOR_RGB2GRAY), cv2.cvtColor(b, cv2.COLOR_RGB2GRAY), None, 0.5, 3, 15, 3, 5, 1.2, 0
    )
