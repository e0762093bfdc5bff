"""Measurements the audio tests assert on: spectrum shape, envelopes, transients, modulation."""

from __future__ import annotations

import numpy as np
from scipy.ndimage import median_filter
from scipy.signal import welch

from stillmotion.audio import SAMPLE_RATE


def mono(samples: np.ndarray) -> np.ndarray:
    return samples.mean(axis=1) if samples.ndim == 2 else samples


def spectrum(samples: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Welch power spectral density of the mono mix: (frequencies, power)."""
    return welch(mono(samples), fs=SAMPLE_RATE, nperseg=4096)


def spectral_centroid(samples: np.ndarray) -> float:
    freqs, power = spectrum(samples)
    return float(np.sum(freqs * power) / np.sum(power))


def band_fraction(samples: np.ndarray, low: float, high: float) -> float:
    """Share of the total power that lies between low and high Hz."""
    freqs, power = spectrum(samples)
    return float(power[(freqs >= low) & (freqs < high)].sum() / power.sum())


def spectral_flatness(samples: np.ndarray, low: float = 50.0, high: float = 16000.0) -> float:
    """Geometric over arithmetic mean of the PSD in a band: ~1 for noise, ~0 for tones."""
    freqs, power = spectrum(samples)
    band = power[(freqs >= low) & (freqs < high)] + 1e-20
    return float(np.exp(np.mean(np.log(band))) / np.mean(band))


def envelope(samples: np.ndarray, window_seconds: float) -> np.ndarray:
    """RMS of the mono signal in consecutive windows."""
    size = int(window_seconds * SAMPLE_RATE)
    x = mono(samples)
    count = x.size // size
    return np.sqrt(np.mean(x[: count * size].reshape(count, size) ** 2, axis=1))


def frame_envelope(samples: np.ndarray, fps: int) -> np.ndarray:
    """RMS per video frame, to compare with a per-frame motion curve."""
    return envelope(samples, 1.0 / fps)


def transients_per_second(samples: np.ndarray, ratio: float = 3.0) -> float:
    """Clicks and drops: 1 ms windows louder than `ratio` times the median of the 50 ms around them."""
    env = envelope(samples, 0.001)
    background = median_filter(env, size=51, mode="nearest") + 1e-9
    peaks = (env[1:-1] > ratio * background[1:-1]) & (env[1:-1] >= env[:-2]) & (env[1:-1] >= env[2:])
    return int(peaks.sum()) / (mono(samples).size / SAMPLE_RATE)


def modulation_peak_hz(samples: np.ndarray, low: float = 0.1, high: float = 10.0) -> float:
    """The strongest rate (Hz) at which the level swells and falls."""
    rate = 50.0
    env = envelope(samples, 1.0 / rate)
    env = env - env.mean()
    power = np.abs(np.fft.rfft(env * np.hanning(env.size), n=8 * env.size)) ** 2
    freqs = np.fft.rfftfreq(8 * env.size, d=1.0 / rate)
    band = (freqs >= low) & (freqs <= high)
    return float(freqs[band][np.argmax(power[band])])


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    count = min(a.size, b.size)
    return float(np.corrcoef(a[:count], b[:count])[0, 1])
