"""The clip's edges: short fades so playback never clicks, or a crossfade that makes a seamless loop."""

from __future__ import annotations

import numpy as np

from stillmotion.audio.dsp import SAMPLE_RATE

FADE_SECONDS = 0.015
"""15 ms: far shorter than anything a listener hears as a fade, long enough to remove the click."""
LOOP_CROSSFADE_SECONDS = 0.5
"""How much tail a loop renders past its end to fold back into its start (capped at a quarter of the clip)."""


def loop_tail_samples(samples: int) -> int:
    return int(min(LOOP_CROSSFADE_SECONDS * SAMPLE_RATE, samples // 4))


def fade_edges(samples: np.ndarray) -> np.ndarray:
    """Raised-cosine fade in and out, so the first and last samples are zero."""
    length = min(int(FADE_SECONDS * SAMPLE_RATE), samples.shape[0] // 2)
    if length == 0:
        return samples
    ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(length) / length)
    out = samples.copy()
    out[:length] *= ramp[:, None]
    out[-length:] *= ramp[::-1, None]
    return out


def fold_loop(rendered: np.ndarray, samples: int) -> np.ndarray:
    """Crossfade the rendered tail (what follows the end) into the head.

    The output's last sample is rendered[samples - 1] and its first is (almost
    entirely) rendered[samples]: the continuation of that same signal, so the
    loop point is seamless. Equal-power curves keep uncorrelated noise level.
    """
    tail = rendered.shape[0] - samples
    out = rendered[:samples].copy()
    if tail <= 0:
        return out
    angle = (np.pi / 2.0) * (np.arange(tail) + 0.5) / tail
    out[:tail] = out[:tail] * np.sin(angle)[:, None] + rendered[samples:] * np.cos(angle)[:, None]
    return out
