"""Living sounds: birdsong (songbirds or gulls), forest ambience, crowd murmur.

Birds are near-pure FM tones (vanhunteradams.com, Birdsong synthesis): each
call is a pitch trajectory, phase-integrated, under a short envelope. A crowd
is many 'voices': a buzzy glottal source through vowel formants that change
every syllable, gated by speech and pauses.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy.signal import fftconvolve
from scipy.signal.windows import tukey

from stillmotion.audio.dsp import (
    SAMPLE_RATE,
    add_at,
    bandpass,
    decay,
    lowpass,
    pan,
    pink,
    resonator,
    slow_random,
    stereo_blend,
    sweep_tone,
)
from stillmotion.audio.layers.layer_input import LayerInput


def _note(freqs: np.ndarray, harmonics: tuple[float, ...] = (1.0, 0.08)) -> np.ndarray:
    """One note along a pitch trajectory, faded in and out (Tukey) so it never clicks."""
    return sweep_tone(freqs, harmonics) * tukey(freqs.size, 0.3)


def _glide(points: list[tuple[float, float]]) -> np.ndarray:
    """Per-sample frequency through (seconds, Hz) breakpoints."""
    times, hz = zip(*points, strict=True)
    return np.interp(np.arange(int(times[-1] * SAMPLE_RATE)) / SAMPLE_RATE, times, hz)


def _gap(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SAMPLE_RATE))


def _cardinal(rng: np.random.Generator, k: float) -> np.ndarray:
    """A 130 ms swoop 1.74 → 2 → 1.74 kHz, then a rapid upward chirp."""
    swoop = _note(_glide([(0, 1740 * k), (0.065, 2000 * k), (0.13, 1740 * k)]))
    chirp = _note(_glide([(0, 2000 * k), (0.06, 5500 * k)]))
    return np.concatenate([swoop, _gap(0.03), chirp] * int(rng.integers(1, 4)))


def _trill(rng: np.random.Generator, k: float) -> np.ndarray:
    """A trill: 6–12 falling 25 ms notes around 4.5 kHz."""
    note = _note(_glide([(0, 5000 * k), (0.025, 4200 * k)]))
    return np.concatenate([np.concatenate([note, _gap(0.015)]) for _ in range(int(rng.integers(6, 13)))])


def _whistle(rng: np.random.Generator, k: float) -> np.ndarray:
    """Two clear whistled notes, high then lower ('fee-bee')."""
    first = _note(_glide([(0, 3000 * k), (0.18, 3050 * k)]), (1.0,))
    second = _note(_glide([(0, 2450 * k), (0.22, 2400 * k)]), (1.0,))
    return np.concatenate([first, _gap(0.06), second])


def _chirps(rng: np.random.Generator, k: float) -> np.ndarray:
    """3–5 quick upward chirps (sparrow-like)."""
    chirp = _note(_glide([(0, 3000 * k), (0.04, 5500 * k)]))
    return np.concatenate([np.concatenate([chirp, _gap(0.06)]) for _ in range(int(rng.integers(3, 6)))])


def _gull(rng: np.random.Generator, k: float) -> np.ndarray:
    """A herring gull's 'kyow' laugh: harsh harmonic notes rising then falling, repeated."""
    length = rng.uniform(0.25, 0.4)
    call = _glide([(0, 1400 * k), (0.3 * length, 1750 * k), (length, 1050 * k)])
    rasp = 1.0 + 0.35 * np.sin(2 * np.pi * 70.0 * np.arange(call.size) / SAMPLE_RATE)  # throat roughness
    note = _note(call, (1.0, 0.7, 0.45, 0.3, 0.15)) * rasp
    return np.concatenate([np.concatenate([note, _gap(0.12)]) for _ in range(int(rng.integers(2, 5)))])


_SONGBIRDS: tuple[Callable[[np.random.Generator, float], np.ndarray], ...] = (_cardinal, _trill, _whistle, _chirps)


_WET_ENERGY = 0.12
"""Reverberant energy relative to the direct sound: open air, a little reflection off ground and trees."""


def _space(rng: np.random.Generator, dry: np.ndarray, seconds: float) -> np.ndarray:
    """A little outdoor reverberation: convolve with a short decaying noise tail."""
    length = int(seconds * SAMPLE_RATE)
    tail = rng.standard_normal(length) * decay(length, seconds / 4.0, attack=0.0)
    tail *= np.sqrt(_WET_ENERGY / np.sum(tail**2))
    tail[0] = 1.0
    return fftconvolve(dry, tail[:, None], axes=0)[: dry.shape[0]]


def birds(inp: LayerInput) -> np.ndarray:
    """A few birds, each with its own call, pitch and place, calling every few seconds."""
    rng, n = inp.rng, inp.samples
    gulls = inp.variant == "gull"
    distant = inp.variant == "distant"
    out = np.zeros((n, 2))
    flock = rng.integers(1, 4) if gulls else rng.integers(2, 5)  # gulls over surf call now and then, not in chorus
    for _ in range(int(flock)):
        call = _gull if gulls else _SONGBIRDS[int(rng.integers(len(_SONGBIRDS)))]
        pitch, position = rng.uniform(0.85, 1.2), rng.uniform(-0.8, 0.8)
        gain = rng.uniform(0.3, 1.0)
        at = rng.uniform(0.0, 1.2)
        while at * SAMPLE_RATE < n:
            add_at(out, int(at * SAMPLE_RATE), pan(gain * call(rng, pitch), position))
            at += rng.uniform(2.5, 7.0) if gulls else rng.uniform(1.5, 4.0)
    if distant:
        out = lowpass(out, 4000.0)
    return _space(rng, out, 0.6 if gulls or distant else 0.35)


def forest(inp: LayerInput) -> np.ndarray:
    """Leaves rustling with the gusts (foliage sway), soft air beneath, distant birds."""
    rng, n, gust = inp.rng, inp.samples, inp.drive
    flutter = slow_random(rng, n, rate_hz=12.0) ** 2  # individual leaves catching the air
    rustle = bandpass(stereo_blend(rng, n, 0.95), 1800.0, 8000.0) * (flutter * (0.2 + gust))[:, None]
    air = lowpass(pink(rng, n), 350.0)
    far_birds = birds(LayerInput(rng, inp.timeline, gust, variant="distant"))
    return 0.5 * rustle + 0.04 * air + 0.1 * far_birds / (np.max(np.abs(far_birds)) + 1e-9)


_VOWELS = ((730.0, 1090.0), (530.0, 1840.0), (270.0, 2290.0), (570.0, 840.0), (300.0, 870.0), (660.0, 1700.0))
"""First two formants (Hz) of a, e, i, o, u, æ: enough to make a buzz sound like talk."""
_SYLLABLES_PER_SECOND = 4.5


def _voice_gate(rng: np.random.Generator, n: int) -> np.ndarray:
    """Talking and pausing: a syllable envelope times a slow on/off for phrases and breaths."""
    t = np.arange(n) / SAMPLE_RATE
    rate = _SYLLABLES_PER_SECOND * rng.uniform(0.8, 1.2)
    syllables = np.sin(np.pi * (t * rate + rng.uniform())) ** 2
    phrases = np.clip(3.0 * (slow_random(rng, n, rate_hz=0.8) - 0.35), 0.0, 1.0)
    return syllables * phrases


def crowd(inp: LayerInput) -> np.ndarray:
    """Murmur of many voices; their sum is filtered per vowel (formants ring far shorter than a syllable)."""
    rng, n = inp.rng, inp.samples
    t = np.arange(n) / SAMPLE_RATE
    mixtures = np.zeros((len(_VOWELS), n, 2))
    for _ in range(int(10 + 14 * inp.intensity)):
        f0 = rng.uniform(95.0, 240.0) * slow_random(rng, n, rate_hz=2.0, low=0.9, high=1.1)  # intonation
        buzz = 2.0 * ((np.cumsum(f0) / SAMPLE_RATE) % 1.0) - 1.0  # glottal sawtooth
        voice = pan(buzz * _voice_gate(rng, n) * rng.uniform(0.3, 1.0), rng.uniform(-0.9, 0.9))
        vowel_of_syllable = rng.integers(len(_VOWELS), size=int(t[-1] * _SYLLABLES_PER_SECOND) + 2)
        current = vowel_of_syllable[(t * _SYLLABLES_PER_SECOND).astype(int)]
        for k in range(len(_VOWELS)):
            mixtures[k] += voice * (current == k)[:, None]
    talk = np.sum(
        [resonator(mix, f1, 5.0) + 0.6 * resonator(mix, f2, 8.0) for mix, (f1, f2) in zip(mixtures, _VOWELS, strict=True)],
        axis=0,
    )
    return _space(rng, bandpass(talk, 150.0, 4000.0), 0.5)
