"""How the plan's 0..1 amounts become pixels: one reference frame, one strength curve."""

from __future__ import annotations

import numpy as np

REFERENCE_WIDTH = 1920.0
"""Pixel amounts in the style tables are for a 1080p-wide frame and scale with the frame width."""


def strength_gain(strength: float) -> float:
    """Global strength 0..1 (from cfg_scale) as a multiplier: 0.4 subtle .. 1.6 strong, 1 at 0.5."""
    return 0.4 + 1.2 * float(np.clip(strength, 0.0, 1.0))
