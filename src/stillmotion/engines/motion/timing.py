"""Time curves every animated quantity follows: eased progress and loop-safe envelopes.

Motion that starts or stops at full speed reads as robotic, so every camera
parameter follows an eased progress curve whose velocity rises smoothly from
zero and falls back to zero. A looping clip instead goes out and back on a
raised cosine, so its velocity is continuous across the seam (frame N would
be frame 0 again).
"""

from __future__ import annotations

import numpy as np

_CURVE_SAMPLES = 4096  # integration grid for the eased curve; far finer than any frame count
_MIN_RAMP, _RAMP_PER_SMOOTHING = 0.15, 0.35
"""Fraction of the clip spent accelerating (and again decelerating): 15% when
`smoothing` is 0, 50% (a pure bell-shaped velocity) when it is 1."""


def frame_times(num_frames: int, loop: bool) -> np.ndarray:
    """Normalised time u of each frame: 0 at frame 0, 1 at the last frame (or, looping, one past it)."""
    period = num_frames if loop else max(num_frames - 1, 1)
    return np.arange(num_frames, dtype=np.float64) / period


def smootherstep(x: np.ndarray | float) -> np.ndarray:
    """Perlin's C2 ramp: zero velocity and acceleration at both ends."""
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (x * (6.0 * x - 15.0) + 10.0)


def eased_progress(u: np.ndarray, smoothing: float, loop: bool) -> np.ndarray:
    """Progress 0..1 of a move at normalised times `u`.

    One-shot: velocity is a plateau with smootherstep ramps at both ends, so the
    move eases in and out; more `smoothing` lengthens the ramps. Loop: 0 -> 1 -> 0
    on a raised cosine, periodic in u with period 1.
    """
    if loop:
        return 0.5 - 0.5 * np.cos(2.0 * np.pi * u)
    ramp = _MIN_RAMP + _RAMP_PER_SMOOTHING * float(np.clip(smoothing, 0.0, 1.0))
    grid = np.linspace(0.0, 1.0, _CURVE_SAMPLES)
    velocity = smootherstep(grid / ramp) * smootherstep((1.0 - grid) / ramp)
    position = np.concatenate(([0.0], np.cumsum((velocity[1:] + velocity[:-1]) * 0.5)))
    position /= position[-1]
    return np.interp(u, grid, position)


def fade_in(u: np.ndarray, duration_u: float) -> np.ndarray:
    """0 -> 1 over the first `duration_u` of the clip, smoothly; used to start drifts from rest."""
    if duration_u <= 0:
        return np.ones_like(u)
    return smootherstep(u / duration_u)


def clip_envelope(t: float, duration: float, loop: bool, fade_seconds: float) -> float:
    """Opacity 0..1 of something that appears in a clip: 0 at t = 0, full after `fade_seconds`
    (at most a quarter of the clip), and, looping, back to 0 at the seam."""
    fade = min(fade_seconds, duration / 4.0)
    value = float(smootherstep(t / fade)) if fade > 0 else 1.0
    if loop:
        value = min(value, float(smootherstep((duration - t) / fade)))
    return value
