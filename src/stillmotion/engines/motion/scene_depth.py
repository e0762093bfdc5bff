"""A depth proxy from classical cues, aligned to the image's edges.

Cues (cpu-animation.md 3.1): a ground plane receding from the bottom edge to
the horizon (position is the strongest single cue in Photo Pop-up), the sky
as the farthest plane, haze from the dark channel (He et al. 2009: thicker
haze = farther), defocus (blurred areas are usually background) and saliency
(the subject is usually nearer than what surrounds it). The blend is averaged
per superpixel and guided-filtered so depth steps sit on object edges, which
is what keeps parallax from tearing objects apart.
"""

from __future__ import annotations

import cv2
import numpy as np

from stillmotion.engines.motion.scene_features import Features

GROUND_FAR = 0.85
"""Depth at the horizon: far, but nearer than the sky (1.0)."""
NONSKY_MAX = 0.92
"""Nothing but the sky may reach the far plane; keeps a gap the renderer can layer on."""
WEIGHTS = {"ground": 0.7, "haze": 0.12, "defocus": 0.08, "subject": 0.22}
"""The ground plane dominates; the other cues nudge it. Subject weight is subtracted (nearer)."""
DARK_CHANNEL_PATCH = 5
"""~15 px at full HD in He et al., scaled to the working resolution."""
SUPERPIXEL_SIZE = 14
"""Superpixel side in working pixels (~420 superpixels at 384x216)."""
SEEDS_LEVELS = 3
SEEDS_ITERATIONS = 2
GUIDE_RADIUS = 8
GUIDE_EPS = 200.0


def estimate_depth(
    f: Features, sky: np.ndarray, horizon: int, subject: np.ndarray
) -> np.ndarray:
    """float32 depth 0 near .. 1 far at the working resolution."""
    blend = (
        WEIGHTS["ground"] * _ground_plane(f.height, f.width, horizon)
        + WEIGHTS["haze"] * _haze(f.rgb)
        + WEIGHTS["defocus"] * _defocus(f.gray)
        - WEIGHTS["subject"] * subject
    )
    ground_only = WEIGHTS["ground"] * GROUND_FAR + WEIGHTS["haze"] + WEIGHTS["defocus"]
    nonsky = np.clip(blend / ground_only, 0.0, 1.0) * NONSKY_MAX
    aligned = _align_to_edges(nonsky.astype(np.float32), f.rgb)
    depth = aligned + (1.0 - aligned) * sky  # the sky is the far plane (1.0)
    return np.clip(depth, 0.0, 1.0).astype(np.float32)


def _ground_plane(height: int, width: int, horizon: int) -> np.ndarray:
    """0 at the bottom edge rising linearly to GROUND_FAR at the horizon, GROUND_FAR above.

    Linear in image rows is linear in disparity for a flat ground, which is
    the quantity parallax is proportional to.
    """
    rows = np.arange(height, dtype=np.float32)
    span = max(height - 1 - horizon, 1)
    column = np.clip((height - 1 - rows) / span, 0.0, 1.0) * GROUND_FAR
    return np.repeat(column[:, None], width, axis=1)


def _robust_unit(values: np.ndarray) -> np.ndarray:
    low, high = np.percentile(values, (5, 95))
    return np.clip((values - low) / max(float(high - low), 1e-6), 0.0, 1.0).astype(np.float32)


def _haze(rgb: np.ndarray) -> np.ndarray:
    """Dark channel: the darkest channel in a small patch, high where haze lifts the blacks."""
    darkest = rgb.min(axis=2)
    patch = cv2.getStructuringElement(cv2.MORPH_RECT, (DARK_CHANNEL_PATCH, DARK_CHANNEL_PATCH))
    return _robust_unit(cv2.erode(darkest, patch).astype(np.float32))


def _defocus(gray: np.ndarray) -> np.ndarray:
    """1 where the image is soft; 0 where it is sharpest. Flat when focus is uniform."""
    energy = cv2.GaussianBlur(np.abs(cv2.Laplacian(gray, cv2.CV_32F)), (0, 0), 4.0)
    sharpness = _robust_unit(np.log1p(energy * 100.0))
    return 1.0 - sharpness


def _align_to_edges(depth: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """Average per superpixel, then a guided filter so steps follow the photo's edges.

    SEEDS rather than SLIC: the same edge adherence at a third of the time
    (22 ms against 70 ms for 384x216 on one loaded core).
    """
    lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2Lab)
    height, width = depth.shape
    count = max(16, height * width // SUPERPIXEL_SIZE**2)
    seeds = cv2.ximgproc.createSuperpixelSEEDS(width, height, 3, count, SEEDS_LEVELS)
    seeds.iterate(lab, SEEDS_ITERATIONS)
    labels = seeds.getLabels().ravel()
    sums = np.bincount(labels, weights=depth.ravel())
    counts = np.maximum(np.bincount(labels), 1)
    per_superpixel = (sums / counts)[labels].reshape(depth.shape).astype(np.float32)
    return cv2.ximgproc.guidedFilter(rgb, per_superpixel, GUIDE_RADIUS, GUIDE_EPS)
