"""Per-frame curves shaped like a motion engine's: what drives the sound in the sync tests."""

from __future__ import annotations

import numpy as np


def frame_times(num_frames: int, fps: int) -> np.ndarray:
    return np.arange(num_frames) / fps


def rain_ramp(num_frames: int) -> np.ndarray:
    """A shower building from nothing to a downpour, as the particle density of the picture would."""
    return np.linspace(0.0, 1.0, num_frames)


def swell(num_frames: int, fps: int, period: float) -> np.ndarray:
    """Periodic water motion, crest once per `period` seconds."""
    return 0.5 - 0.5 * np.cos(2.0 * np.pi * frame_times(num_frames, fps) / period)


def flicker(num_frames: int, fps: int, seed: int = 0) -> np.ndarray:
    """Flame flicker: smooth random wobble a few times a second, as a motion engine's noise function."""
    rng = np.random.default_rng(seed)
    knots = rng.uniform(0.1, 1.0, int(num_frames / fps * 4) + 2)
    return np.interp(np.linspace(0, knots.size - 1, num_frames), np.arange(knots.size), knots)
