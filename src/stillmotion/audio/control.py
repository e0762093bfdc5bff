"""Per-sample control curves: the picture's per-frame curves, or seeded stand-ins when it has none.

The motion engine samples its time functions once per video frame (see
`AudioCues`); a sound layer needs them once per audio sample. Frame f is on
screen from f/fps to (f+1)/fps, so its value is placed at the frame's centre and
linearly interpolated between centres. For a looping video the curve is
periodic (np.interp's `period`), and so is the loop tail rendered past the end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stillmotion.audio.cues import AudioCues
from stillmotion.audio.dsp import SAMPLE_RATE, slow_random

DEFAULT_SWELL_SECONDS = 7.0
"""Ocean swell period when the picture has no water curve: typical wind-sea waves run 5–10 s."""

LAPPING_SWELL_SECONDS = 2.5
"""Lake/pond lapping: short, choppy wavelets."""


_STILL = 1e-3
"""A curve that never rises above this is a region the picture does not move (0..1 scale)."""


@dataclass(frozen=True)
class Timeline:
    """How many samples the output has, and how many are rendered (a loop renders a tail to crossfade)."""

    samples: int
    rendered: int
    fps: int
    loop: bool

    @property
    def duration(self) -> float:
        return self.samples / SAMPLE_RATE

    def times(self) -> np.ndarray:
        """Seconds of each rendered sample; a loop's tail wraps to the start of the clip."""
        index = np.arange(self.rendered)
        return (index % self.samples if self.loop else index) / SAMPLE_RATE


def frames_to_samples(curve: np.ndarray, timeline: Timeline) -> np.ndarray:
    """Interpolate a per-frame curve (0..1) at every rendered sample."""
    curve = np.clip(np.asarray(curve, dtype=np.float64), 0.0, 1.0)
    if curve.size == 0:
        return np.zeros(timeline.rendered)
    centres = (np.arange(curve.size) + 0.5) / timeline.fps
    period = timeline.duration if timeline.loop else None
    return np.interp(timeline.times(), centres, curve, period=period)


def swell_period(duration: float, nominal: float, loop: bool) -> float:
    """A loop needs a whole number of swells per clip so the bed's end meets its start."""
    if not loop:
        return nominal
    return duration / max(1, round(duration / nominal))


def default_drive(
    name: str, rng: np.random.Generator, timeline: Timeline, *, intensity: float, swell: float
) -> np.ndarray:
    """A plausible seeded curve for `name` when the picture does not animate it."""
    n, t = timeline.rendered, timeline.times()
    if name == "rain":
        # steady rain with a slow breath in density
        return intensity * slow_random(rng, n, rate_hz=0.2, low=0.8, high=1.0)
    if name == "water":
        period = swell_period(timeline.duration, swell, timeline.loop)
        phase = rng.uniform(0.0, 2.0 * np.pi)
        return 0.5 - 0.5 * np.cos(2.0 * np.pi * t / period + phase)
    if name == "fire":
        # flames flicker a few times a second around a steady burn
        return slow_random(rng, n, rate_hz=4.0, low=0.35, high=1.0)
    if name == "wind":
        # gusts a few seconds apart; the power sharpens the peaks against the lull
        return intensity * slow_random(rng, n, rate_hz=0.4) ** 1.5
    return np.zeros(n)


def animates(cues: AudioCues | None, name: str) -> bool:
    """Whether the picture moves `name`: an engine reports curves it does not animate as all zeros."""
    if cues is None or name not in cues.curves:
        return False
    curve = np.asarray(cues.curves[name], dtype=np.float64)
    return curve.size > 0 and float(curve.max()) > _STILL


def drive_for(
    name: str,
    cues: AudioCues | None,
    rng: np.random.Generator,
    timeline: Timeline,
    *,
    intensity: float = 1.0,
    swell: float = DEFAULT_SWELL_SECONDS,
) -> np.ndarray:
    """The picture's curve `name` if it animates it, otherwise a seeded stand-in."""
    if animates(cues, name):
        assert cues is not None
        return frames_to_samples(cues.curves[name], timeline)
    return default_drive(name, rng, timeline, intensity=intensity, swell=swell)
