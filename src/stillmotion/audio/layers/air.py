"""Air sounds: wind with gusts, thunder.

Wind after Farnell ch. 39 and the recordings fitted at etherealwake.com: noise
through a resonant band-pass (~760 Hz), whose gain and centre rise with gust
strength, over a low rumble. Thunder (Farnell ch. 40): a broadband crack, then
a rolling low rumble built from overlapping decaying bursts.
"""

from __future__ import annotations

import numpy as np

from stillmotion.audio.dsp import (
    SAMPLE_RATE,
    add_at,
    brown,
    decay,
    highpass,
    lowpass,
    pan,
    resonator,
    stereo_blend,
)
from stillmotion.audio.layers.layer_input import LayerInput

_WHISTLE_CENTRES = (450.0, 760.0, 1150.0)
"""Resonances for lull, moderate and strong gusts (Hz): faster air whistles higher."""
_WHISTLE_Q = 3.5
"""Wide enough to sound like air, narrow enough to hear a pitch (fitted width ~290 Hz at 760 Hz)."""


def _centre_weights(gust: np.ndarray) -> list[np.ndarray]:
    """Triangular crossfade between the fixed resonators: a smooth glide of the centre frequency."""
    position = gust * (len(_WHISTLE_CENTRES) - 1)
    return [np.clip(1.0 - np.abs(position - k), 0.0, 1.0) for k in range(len(_WHISTLE_CENTRES))]


def wind(inp: LayerInput) -> np.ndarray:
    """Gust strength (foliage sway) drives both the level and the pitch of the whistle."""
    rng, n, gust = inp.rng, inp.samples, inp.drive
    noise = stereo_blend(rng, n, 0.7)
    whistle = sum(
        weight[:, None] * resonator(noise, centre, _WHISTLE_Q)
        for weight, centre in zip(_centre_weights(gust), _WHISTLE_CENTRES, strict=True)
    )
    rumble = lowpass(brown(rng, n), 250.0)
    return (0.08 + gust)[:, None] * 8.0 * whistle + (0.25 + 0.6 * gust)[:, None] * 0.3 * rumble


def _strike(rng: np.random.Generator, distant: bool) -> np.ndarray:
    """One thunderclap, stereo: crack (only when near) and several seconds of rolling rumble."""
    length = int(rng.uniform(3.0, 5.0) * SAMPLE_RATE)
    rumble_noise = lowpass(brown(rng, length, channels=1)[:, 0], 220.0)
    envelope = np.zeros(length)
    for _ in range(rng.integers(3, 7)):  # echoes off terrain and cloud arrive as overlapping rolls
        start = int(rng.uniform(0.0, 0.5 if distant else 0.3) * length)
        roll = decay(length - start, rng.uniform(0.4, 1.3), attack=rng.uniform(0.05, 0.25))
        envelope[start:] += rng.uniform(0.4, 1.0) * roll
    strike = rumble_noise * envelope
    if not distant:
        crack_length = int(0.4 * SAMPLE_RATE)
        crack = highpass(rng.standard_normal(crack_length), 400.0) * decay(crack_length, 0.07, attack=0.002)
        strike[:crack_length] += 0.8 * crack * np.max(np.abs(strike))
    return pan(strike, rng.uniform(-0.6, 0.6))


def thunder(inp: LayerInput) -> np.ndarray:
    """One strike early in the clip (so a short clip still hears it), another per ~8 s after."""
    rng, n = inp.rng, inp.samples
    out = np.zeros((n, 2))
    strikes = 1 + int(inp.timeline.duration // 8.0)
    for k in range(strikes):
        at = int((k + rng.uniform(0.05, 0.45)) * n / strikes)
        add_at(out, at, _strike(rng, distant=inp.variant == "distant"))
    return out
