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

    W maps a pixel of `reference` to where that content sits in `frame`. Without an
    initial guess, ECC runs coarse to fine (1/4, 1/2, full size) so large moves converge.
    """
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 200, 1e-7)
    if init is not None:
        levels, warp = [1], init.astype(np.float32)
    else:
        levels, warp = [4, 2, 1], np.eye(2, 3, dtype=np.float32)
    for level in levels:
        ref, img = gray(reference), gray(frame)
        if level > 1:
            size = (ref.shape[1] // level, ref.shape[0] // level)
            ref = cv2.resize(ref, size, interpolation=cv2.INTER_AREA)
            img = cv2.resize(img, size, interpolation=cv2.INTER_AREA)
        scaled = warp.copy()
        scaled[:, 2] /= level
        _, scaled = cv2.findTransformECC(ref, img, scaled, cv2.MOTION_AFFINE, criteria, None, 5)
        warp = scaled.copy()
        warp[:, 2] *= level
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
