"""Built places: city hum and traffic, room tone."""

from __future__ import annotations

import numpy as np

from stillmotion.audio.dsp import (
    SAMPLE_RATE,
    add_at,
    bandpass,
    brown,
    highpass,
    lowpass,
    pan,
    pink,
    stereo_blend,
)
from stillmotion.audio.layers.layer_input import LayerInput


def _car_pass(rng: np.random.Generator) -> np.ndarray:
    """One vehicle passing: engine and tyre noise swelling and fading as it sweeps across."""
    seconds = rng.uniform(3.0, 6.0)
    length = int(seconds * SAMPLE_RATE)
    t = np.linspace(-1.0, 1.0, length)
    closeness = np.exp(-((t / 0.35) ** 2))  # loudest as it passes in front
    engine = bandpass(pink(rng, length, channels=1)[:, 0], 80.0, 1200.0)
    tyres = highpass(rng.standard_normal(length), 1500.0) * 0.25
    direction = rng.choice([-1.0, 1.0])
    return pan((engine + tyres * closeness) * closeness * rng.uniform(0.3, 1.0), 0.9 * direction * t)


def city(inp: LayerInput) -> np.ndarray:
    """Distant low rumble of a city with vehicles passing, more of them for busier words."""
    rng, n = inp.rng, inp.samples
    rumble = lowpass(brown(rng, n), 200.0) + 0.5 * bandpass(pink(rng, n), 60.0, 500.0)
    traffic = np.zeros((n, 2))
    at = -rng.uniform(1.0, 3.0)  # a car already passing when the clip starts
    while at * SAMPLE_RATE < n:
        car = _car_pass(rng)
        start = int(at * SAMPLE_RATE)
        if start < 0:
            car = car[-start:]
        add_at(traffic, max(start, 0), car)
        at += rng.exponential(1.0 / (0.4 + 0.8 * inp.intensity))
    return 0.35 * rumble + traffic


_MAINS_HZ = (50.0, 60.0)
"""Mains frequencies (Europe/Asia, the Americas): the hum of a building is one of them."""


def room(inp: LayerInput) -> np.ndarray:
    """Room tone: ventilation air, a low pink bed, and a faint mains hum."""
    rng, n = inp.rng, inp.samples
    t = np.arange(n) / SAMPLE_RATE
    air = lowpass(stereo_blend(rng, n, 0.6, noise=pink), 1500.0)
    ventilation = bandpass(pink(rng, n), 80.0, 300.0)
    mains = float(rng.choice(_MAINS_HZ))
    hum = np.sum([a * np.sin(2 * np.pi * mains * h * t) for h, a in ((1, 1.0), (2, 0.5), (3, 0.25))], axis=0)
    return 0.5 * air + 0.4 * ventilation + 0.02 * hum[:, None]
