"""Fire, after Farnell ch. 34: a low lapping roar, bursty hiss, and crackles at random times.

All three follow the picture's flicker curve: a flare is louder, hissier, and
crackles more.
"""

from __future__ import annotations

import numpy as np

from stillmotion.audio.dsp import (
    SAMPLE_RATE,
    bandpass,
    decay,
    events,
    highpass,
    place_panned,
    slow_random,
    stereo_blend,
)
from stillmotion.audio.layers.layer_input import LayerInput

_CRACKLES_PER_SECOND = (2.0, 35.0)
"""Crackle rate at no flicker and at a full flare: a campfire pops a few to a few dozen times a second."""


def _crackle_kernel(rng: np.random.Generator) -> np.ndarray:
    """A crackle: a 1–20 ms decaying burst through a band-pass with a random centre."""
    length = int(0.03 * SAMPLE_RATE)
    centre = rng.uniform(1200.0, 6000.0)
    burst = bandpass(rng.standard_normal(length), centre / 1.6, centre * 1.6)
    return burst * decay(length, rng.uniform(0.001, 0.006), attack=0.0)


def fire(inp: LayerInput) -> np.ndarray:
    rng, n, flicker = inp.rng, inp.samples, inp.drive
    # lapping: low band-passed noise, soft-clipped for its flutter, DC removed again
    lapping = highpass(np.tanh(3.0 * bandpass(stereo_blend(rng, n, 0.5), 40.0, 280.0)), 30.0)
    # hiss: high noise gated by a slow noise to the 4th power — bursts, not a steady whoosh
    hiss = highpass(stereo_blend(rng, n, 0.8), 1000.0) * (slow_random(rng, n, rate_hz=6.0) ** 4)[:, None]
    low, high = _CRACKLES_PER_SECOND
    crackles = np.zeros((n, 2))
    for _ in range(4):  # a few kernel shapes so crackles do not all sound alike
        at = events(rng, (low + (high - low) * flicker) / 4.0)
        side = rng.uniform(0.0, np.pi / 2.0, at.size)
        loudness = rng.lognormal(0.0, 0.6, at.size)
        kernel = _crackle_kernel(rng)
        crackles += place_panned(kernel, at, loudness, side, n)
    flare = flicker[:, None]
    return 0.3 * lapping * (0.15 + flare) + 0.15 * hiss * flare + 0.5 * crackles
