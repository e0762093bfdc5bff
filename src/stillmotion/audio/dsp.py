"""Signal building blocks the sound layers are made of: shaped noise, filters, events, panning.

Everything is vectorised numpy/scipy over whole clips (a 6 s stereo clip is
~288k samples per channel), so a layer costs milliseconds, not a Python loop
per sample. Every random draw comes from the `Generator` passed in, so a seed
fixes every sample.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache

import numpy as np
from scipy import signal
from scipy.interpolate import PchipInterpolator

from stillmotion.media.encode import AUDIO_RATE

SAMPLE_RATE = AUDIO_RATE
"""The encoder's AAC rate: synthesising at it means no resampling on the way out."""
NYQUIST = SAMPLE_RATE / 2
_SUBSONIC_HZ = 20.0


def white(rng: np.random.Generator, n: int, channels: int = 2) -> np.ndarray:
    """Gaussian white noise, shape (n, channels); channels are independent (wide stereo)."""
    return rng.standard_normal((n, channels))


def coloured(rng: np.random.Generator, n: int, exponent: float, channels: int = 2) -> np.ndarray:
    """Noise with power ∝ 1/f**exponent (1: pink, 2: brown), unit RMS per channel.

    Shaped in the frequency domain, so it is also circular: its end flows into its start.
    """
    spectrum = np.fft.rfft(rng.standard_normal((n, channels)), axis=0)
    freqs = np.fft.rfftfreq(n, d=1.0 / SAMPLE_RATE)
    spectrum *= (np.maximum(freqs, _SUBSONIC_HZ) ** (-exponent / 2.0))[:, None]
    # below hearing, 1/f noise would be all drift: inaudible, yet it would eat the headroom
    spectrum[freqs < _SUBSONIC_HZ] = 0.0
    out = np.fft.irfft(spectrum, n=n, axis=0)
    return out / (np.sqrt(np.mean(out**2, axis=0, keepdims=True)) + 1e-12)


def pink(rng: np.random.Generator, n: int, channels: int = 2) -> np.ndarray:
    """Equal energy per octave: the spectrum of surf, waterfalls and room air."""
    return coloured(rng, n, 1.0, channels)


def brown(rng: np.random.Generator, n: int, channels: int = 2) -> np.ndarray:
    """Energy falling 6 dB per octave: rumble (thunder, traffic, wind's low end)."""
    return coloured(rng, n, 2.0, channels)


def stereo_blend(
    rng: np.random.Generator, n: int, width: float, noise: Callable[..., np.ndarray] = white
) -> np.ndarray:
    """Noise whose L/R correlation falls from 1 (width 0, mono) to 0 (width 1, fully wide)."""
    common = noise(rng, n, channels=1)
    side = noise(rng, n, channels=2)
    return np.sqrt(1.0 - width) * common + np.sqrt(width) * side


@lru_cache(maxsize=128)
def _sos(kind: str, low: float, high: float, order: int) -> np.ndarray:
    """Butterworth sections, cached: layers reuse the same few filters many times."""
    if kind == "bandpass":
        return signal.butter(order, [low / NYQUIST, min(high / NYQUIST, 0.999)], "bandpass", output="sos")
    cutoff = low if kind == "highpass" else high
    return signal.butter(order, min(cutoff / NYQUIST, 0.999), kind, output="sos")


def bandpass(x: np.ndarray, low: float, high: float, order: int = 2) -> np.ndarray:
    return signal.sosfilt(_sos("bandpass", float(low), float(high), order), x, axis=0)


def lowpass(x: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    return signal.sosfilt(_sos("lowpass", 0.0, float(cutoff), order), x, axis=0)


def highpass(x: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    return signal.sosfilt(_sos("highpass", float(cutoff), 0.0, order), x, axis=0)


def resonator(x: np.ndarray, centre: float, q: float) -> np.ndarray:
    """A peaking band-pass (second-order IIR) — the whistle of wind, a vowel formant."""
    b, a = signal.iirpeak(centre / NYQUIST, q)
    return signal.lfilter(b, a, x, axis=0)


def slow_random(rng: np.random.Generator, n: int, rate_hz: float, low: float = 0.0, high: float = 1.0) -> np.ndarray:
    """A smooth random control curve in [low, high] that changes about `rate_hz` times a second.

    Random knots joined by a monotone cubic (PCHIP), so it never overshoots its range.
    """
    duration = n / SAMPLE_RATE
    knots = max(int(np.ceil(duration * rate_hz)) + 2, 3)
    knot_times = np.linspace(0.0, duration, knots)
    values = rng.uniform(low, high, knots)
    return PchipInterpolator(knot_times, values)(np.arange(n) / SAMPLE_RATE)


def events(rng: np.random.Generator, rate: np.ndarray) -> np.ndarray:
    """Sample indices of a Poisson process whose rate (events/s) varies per sample."""
    return np.flatnonzero(rng.random(rate.shape[0]) < rate / SAMPLE_RATE)


def place(kernel: np.ndarray, positions: np.ndarray, amplitudes: np.ndarray, n: int) -> np.ndarray:
    """Sum copies of a mono `kernel` starting at `positions`, scaled by `amplitudes` → (n,)."""
    train = np.zeros(n)
    np.add.at(train, positions, amplitudes)
    return signal.oaconvolve(train, kernel)[:n]  # overlap-add: a short kernel over a long train


def place_panned(
    kernel: np.ndarray, positions: np.ndarray, amplitudes: np.ndarray, angles: np.ndarray, n: int
) -> np.ndarray:
    """`place` in stereo → (n, 2): each copy panned by its equal-power angle (0 left .. pi/2 right)."""
    return np.stack(
        [place(kernel, positions, amplitudes * np.cos(angles), n), place(kernel, positions, amplitudes * np.sin(angles), n)],
        axis=-1,
    )


def add_at(out: np.ndarray, start: int, sound: np.ndarray) -> None:
    """Add a (m, 2) sound into `out` at `start`, cropping whatever falls past the end."""
    end = min(out.shape[0], start + sound.shape[0])
    if end > start:
        out[start:end] += sound[: end - start]


def pan(mono: np.ndarray, position: float | np.ndarray) -> np.ndarray:
    """Equal-power pan of a mono signal; position -1 (left) .. 1 (right), scalar or per sample."""
    angle = (np.asarray(position) + 1.0) * (np.pi / 4.0)
    return np.stack([mono * np.cos(angle), mono * np.sin(angle)], axis=-1)


def decay(n: int, seconds: float, attack: float = 0.0005) -> np.ndarray:
    """An exponential decay envelope (time constant `seconds`) with a short linear attack."""
    t = np.arange(n) / SAMPLE_RATE
    return np.minimum(t / max(attack, 1e-9), 1.0) * np.exp(-t / seconds)


def sweep_tone(freqs: np.ndarray, harmonics: tuple[float, ...] = (1.0,)) -> np.ndarray:
    """A tone following a per-sample frequency trajectory (phase-integrated, so glides are smooth)."""
    phase = 2.0 * np.pi * np.cumsum(freqs) / SAMPLE_RATE
    return np.sum([weight * np.sin((k + 1) * phase) for k, weight in enumerate(harmonics)], axis=0)
