"""Water sounds: rain, ocean waves, lake lapping, stream, waterfall.

Recipes after Farnell, *Designing Sound* (rain ch. 38, water ch. 36): rain is
many tiny damped 'plinks' over a wash of countless far drops; moving water is
band-limited noise whose brightness and level follow the swell; a stream
babbles with small bubble resonances.
"""

from __future__ import annotations

import numpy as np

from stillmotion.audio.dsp import (
    SAMPLE_RATE,
    bandpass,
    brown,
    decay,
    events,
    highpass,
    lowpass,
    pink,
    place,
    place_panned,
    slow_random,
    stereo_blend,
    sweep_tone,
    white,
)
from stillmotion.audio.layers.layer_input import LayerInput

_DROP_PITCHES = np.geomspace(1600.0, 7500.0, 10)
"""Resonances of drops hitting leaves, stone and puddles (Hz); ten kernels, each detuned, so no pitch stands out."""
_NEAREST_DROP = 4.0
"""Loudest drop relative to a typical one (~12 dB): keeps a lone splash from dominating the level."""
_HEAVY_DROPS_PER_SECOND = 1600.0
"""Individually audible near drops in a downpour; a drizzle (density ~0.2) gets a few dozen."""


def _drop_kernel(rng: np.random.Generator, pitch: float) -> np.ndarray:
    """One drop: a click and a short damped tone gliding up (a collapsing bubble)."""
    length = int(0.012 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    glide = pitch * (1.0 + 0.6 * t / t[-1])
    tone = sweep_tone(glide) * decay(length, rng.uniform(0.0015, 0.004))
    click = rng.standard_normal(length) * decay(length, 0.0003, attack=0.0)
    return tone + 0.5 * click


def rain(inp: LayerInput) -> np.ndarray:
    """Drop rate and wash level both follow the rain curve (density of particles on screen)."""
    rng, n, density = inp.rng, inp.samples, inp.drive
    rate = density * (40.0 + _HEAVY_DROPS_PER_SECOND * density)
    drops = np.zeros((n, 2))
    for pitch in _DROP_PITCHES:
        at = events(rng, rate / len(_DROP_PITCHES))
        # near drops loud, far drops soft; capped, as no drop falls closer than the microphone
        loudness = np.minimum(rng.lognormal(0.0, 0.9, at.size), _NEAREST_DROP)
        side = rng.uniform(0.0, np.pi / 2.0, at.size)  # equal-power pan angle per drop
        kernel = _drop_kernel(rng, pitch * rng.uniform(0.9, 1.1))
        drops += place_panned(kernel, at, loudness, side, n)
    wash = bandpass(stereo_blend(rng, n, 0.9), 700.0, 11000.0)
    return 0.3 * drops + 0.15 * wash * (density**0.75)[:, None]


def waves(inp: LayerInput) -> np.ndarray:
    """Energy rushes up through the bands as the swell crests, foam hiss trails it back down."""
    rng, n, swell = inp.rng, inp.samples, inp.drive
    body = lowpass(pink(rng, n), 450.0)
    surge = bandpass(pink(rng, n), 450.0, 2000.0)
    foam = bandpass(stereo_blend(rng, n, 0.9), 1800.0, 10000.0)
    # the receding wash: the crest's energy released over ~0.6 s (one-pole lag of the crest)
    trail = lowpass(swell**3, 0.3, order=1)
    variety = slow_random(rng, n, rate_hz=0.15, low=0.7, high=1.0)[:, None]  # no two waves alike
    crest = swell[:, None]
    return variety * (body * (0.1 + crest) + 0.8 * surge * crest**2 + 0.5 * foam * (crest**3 + trail[:, None]))


def _slap_kernel(rng: np.random.Generator) -> np.ndarray:
    """A wavelet slapping a shore or hull: a 150–900 Hz burst, 10 ms rise, ~0.1 s fall."""
    length = int(0.35 * SAMPLE_RATE)
    burst = bandpass(rng.standard_normal(length), 150.0, 900.0)
    return burst * decay(length, rng.uniform(0.06, 0.14), attack=0.01)


def lake(inp: LayerInput) -> np.ndarray:
    """Small slaps, more of them at the top of each wavelet, over a quiet low wash."""
    rng, n, swell = inp.rng, inp.samples, inp.drive
    rate = 0.5 + 5.0 * swell  # slaps per second
    out = np.zeros((n, 2))
    for channel in range(2):
        at = events(rng, rate)
        out[:, channel] = place(_slap_kernel(rng), at, rng.uniform(0.5, 1.0, at.size) * swell[at], n)
    bed = lowpass(pink(rng, n), 600.0) * (0.05 + 0.2 * swell)[:, None]
    return 2.0 * out + bed


_BUBBLE_PITCHES = np.geomspace(450.0, 2600.0, 10)
"""Bubble resonances in a brook (Minnaert: small bubbles ring high); ten kernels give a babble."""


def _bubble_kernel(rng: np.random.Generator, pitch: float) -> np.ndarray:
    """A bubble: a damped tone whose pitch rises as it nears the surface."""
    length = int(0.05 * SAMPLE_RATE)
    t = np.arange(length) / SAMPLE_RATE
    glide = pitch * (1.0 + rng.uniform(0.5, 1.5) * t / t[-1])
    return sweep_tone(glide) * decay(length, rng.uniform(0.006, 0.02))


def stream(inp: LayerInput) -> np.ndarray:
    """Babbling brook: a few hundred bubbles a second over a mid-band rush; flow follows the water curve."""
    rng, n, flow = inp.rng, inp.samples, inp.drive
    rate = (120.0 + 200.0 * inp.intensity) * (0.6 + 0.6 * flow) / _BUBBLE_PITCHES.size
    out = np.zeros((n, 2))
    for pitch in _BUBBLE_PITCHES:
        for channel in range(2):
            at = events(rng, rate)
            amplitude = rng.uniform(0.2, 1.0, at.size) * (1000.0 / pitch) ** 0.5  # bigger bubbles louder
            out[:, channel] += place(_bubble_kernel(rng, pitch), at, amplitude, n)
    rush = bandpass(pink(rng, n), 250.0, 3500.0) * (0.5 + 0.3 * flow)[:, None]
    return 0.4 * out + 0.5 * rush


def waterfall(inp: LayerInput) -> np.ndarray:
    """A steady broadband roar: pink body, deep rumble, bright spray; a slow surge in the flow."""
    rng, n, flow = inp.rng, inp.samples, inp.drive
    roar = lowpass(pink(rng, n), 5000.0)
    rumble = lowpass(brown(rng, n), 150.0)
    spray = highpass(white(rng, n), 3000.0)
    surge = (0.85 + 0.15 * flow) * slow_random(rng, n, rate_hz=0.5, low=0.85, high=1.0)
    return surge[:, None] * (roar + 0.8 * rumble + 0.15 * spray)
