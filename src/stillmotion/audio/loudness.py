"""Loudness normalisation (ITU-R BS.1770 / EBU R128 via pyloudnorm) and a true-peak limiter.

Ambiences differ wildly in crest factor (a steady waterfall vs. crackles and
thunder), so a plain gain to the loudness target can push peaks past full
scale. The limiter pulls only the peaks down, and the gain is re-found, a few
rounds until both the loudness and the peak ceiling hold.
"""

from __future__ import annotations

import numpy as np
import pyloudnorm
from scipy.ndimage import minimum_filter1d, uniform_filter1d
from scipy.signal import resample_poly

from stillmotion.audio.dsp import SAMPLE_RATE

TRUE_PEAK_CEILING_DBFS = -1.0
"""Streaming platforms' and EBU R128's true-peak ceiling; leaves room for AAC's overshoot."""
_LIMITER_AIM_DBFS = TRUE_PEAK_CEILING_DBFS - 0.5
"""The limiter aims a little lower than the ceiling: gain changes add a hair of inter-sample peak."""
_OVERSAMPLE = 4
"""BS.1770-4 estimates true peak at 4x oversampling (at 48 kHz: within ~0.5 dB of the real peak)."""
_GATING_BLOCK_SECONDS = 0.4
"""BS.1770 measures loudness over 400 ms blocks; a shorter clip is tiled to one block to be measurable."""
_LOOKAHEAD_SECONDS = 0.01
"""Limiter attack/hold: 10 ms is slow enough not to distort low rumble, fast enough for crackles."""
_ROUNDS = 8
_MAX_LIMITING_DB = 12.0
_TOLERANCE_LU = 0.05


def db_to_gain(db: float) -> float:
    return float(10.0 ** (db / 20.0))


def integrated_loudness(samples: np.ndarray) -> float:
    """Integrated loudness in LUFS (-inf for silence)."""
    block = int(_GATING_BLOCK_SECONDS * SAMPLE_RATE)
    if samples.shape[0] < block:
        samples = np.tile(samples, (int(np.ceil(block / max(samples.shape[0], 1))), 1))
    return float(pyloudnorm.Meter(SAMPLE_RATE).integrated_loudness(samples))


def true_peak(samples: np.ndarray) -> float:
    """Linear true-peak estimate: the largest magnitude of the 4x oversampled signal."""
    oversampled = resample_poly(samples, _OVERSAMPLE, 1, axis=0)
    return float(max(np.max(np.abs(oversampled)), np.max(np.abs(samples))))


def _needed_gain(samples: np.ndarray, ceiling: float) -> np.ndarray:
    """Per sample, the gain that would bring its (oversampled, any channel) peak to the ceiling."""
    oversampled = np.abs(resample_poly(samples, _OVERSAMPLE, 1, axis=0)).max(axis=1)
    peaks = oversampled[: samples.shape[0] * _OVERSAMPLE].reshape(samples.shape[0], _OVERSAMPLE).max(axis=1)
    peaks = np.maximum(peaks, np.abs(samples).max(axis=1))
    return np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))


def _limit(samples: np.ndarray, needed: np.ndarray, loop: bool) -> np.ndarray:
    """Linked-stereo look-ahead limiter with no overshoot by construction; `needed`: `_needed_gain`.

    The gain is the minimum of the needed gain over ±R, then averaged over ±R/2:
    every value in the average window is a minimum over a span that contains the
    peak, so the smoothed gain at a peak is never above what that peak needs.
    A loop wraps around, so the gain is continuous across the loop point.
    """
    radius = int(_LOOKAHEAD_SECONDS * SAMPLE_RATE)
    mode = "wrap" if loop else "nearest"
    gain = minimum_filter1d(needed, size=2 * radius + 1, mode=mode)
    gain = uniform_filter1d(gain, size=radius + 1, mode=mode)
    return samples * gain[:, None]


def _limited(samples: np.ndarray, gain_db: float, aim: float, loop: bool) -> np.ndarray:
    out = samples * db_to_gain(gain_db)
    # One oversampling serves both: a needed gain below 1 anywhere is a true peak above the aim.
    needed = _needed_gain(out, aim)
    return _limit(out, needed, loop) if float(needed.min()) < 1.0 else out


def normalize(samples: np.ndarray, target_lufs: float, *, loop: bool = False) -> np.ndarray:
    """Bring integrated loudness to `target_lufs` with true peak under the ceiling.

    Limiting takes loudness away, so the gain is found by secant steps on
    loudness(limit(gain · x)), which is monotone in the gain: a heavily limited
    signal needs more gain than its loudness deficit says.
    """
    aim = db_to_gain(_LIMITER_AIM_DBFS)
    loudness = integrated_loudness(samples)
    if not np.isfinite(loudness):
        return samples  # silence: nothing to normalise
    plain_gain_db = gain_db = target_lufs - loudness
    previous: tuple[float, float] | None = None
    for _ in range(_ROUNDS):
        out = _limited(samples, gain_db, aim, loop)
        measured = integrated_loudness(out)
        error = target_lufs - measured
        if abs(error) < _TOLERANCE_LU:
            break
        slope = 1.0
        if previous is not None and gain_db != previous[0]:
            slope = float(np.clip((measured - previous[1]) / (gain_db - previous[0]), 0.1, 1.0))
        previous = (gain_db, measured)
        # past ~12 dB of limiting the peaks audibly flatten: then the ceiling wins over the target
        gain_db = min(gain_db + error / slope, plain_gain_db + _MAX_LIMITING_DB)
    return out * min(1.0, aim / true_peak(out))  # safety net: the ceiling wins over a last fraction of a LU
