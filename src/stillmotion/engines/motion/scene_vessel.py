"""A cup, mug or bowl seen from above: a warm drink ringed by a pale rim, what steam rises from.

Classical and narrow on purpose: a hole of plausible size in the pale, unsaturated
pixels (porcelain, enamel, foam; small gaps in the rim closed first) that touches no
border and is mostly warm (coffee, tea, soup: hue red to yellow, saturated, neither
black nor blown out). A warm region without a pale rim all round it (a red wall, a
face, wood) is not a vessel. The mask is the drink's surface; `anchors.plume_source`
makes the plume rise from its middle.
"""

from __future__ import annotations

import cv2
import numpy as np

from stillmotion.engines.motion.scene_features import Features

WARM_HUE = 25
"""OpenCV hue (0..180) up to which a colour is warm: reds, oranges, browns, ambers..."""
WARM_RED_FROM = 175
"""...and from which it is, hue wrapping round at 180 (deep reds)."""
WARM_SATURATION = 70
WARM_VALUE = (50, 235)
RIM_VALUE = 165
RIM_SATURATION = 75
DRINK_FRACTION = (0.01, 0.15)
"""A drink's surface covers this share of the frame: smaller is a speck, larger a wall."""
RIM_CLOSE = 5
"""Gaps in a rim up to this many working pixels (~1.3% of the long side) are closed first."""
WARM_SHARE = 0.6
"""A hole in the pale mask is a drink when this share of it is warm."""


def vessel_mask(f: Features) -> np.ndarray:
    """float32 0..1: the largest warm hole a pale rim closes all round (a drink in its cup), or all zeros."""
    hue, sat, val = f.hsv[..., 0], f.hsv[..., 1], f.hsv[..., 2]
    warm = ((hue <= WARM_HUE) | (hue >= WARM_RED_FROM)) & (sat >= WARM_SATURATION)
    warm &= (val >= WARM_VALUE[0]) & (val <= WARM_VALUE[1])
    pale = ((val >= RIM_VALUE) & (sat <= RIM_SATURATION)).astype(np.uint8)
    pale = cv2.morphologyEx(pale, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (RIM_CLOSE, RIM_CLOSE)))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(1 - pale, connectivity=4)
    height, width = pale.shape
    best, best_area = 0, 0
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        if x == 0 or y == 0 or x + w == width or y + h == height:
            continue  # not closed all round: the background, not a drink
        if not DRINK_FRACTION[0] * pale.size <= area <= DRINK_FRACTION[1] * pale.size or area <= best_area:
            continue
        if float(warm[labels == label].mean()) >= WARM_SHARE:
            best, best_area = label, area
    if best == 0:
        return np.zeros(f.gray.shape, np.float32)
    return (labels == best).astype(np.float32)
