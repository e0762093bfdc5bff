"""Seeded smooth noise, drawn once per clip and evaluated at any time: never per-frame draws.

Every random quantity is a sum of a few sinusoids whose amplitudes and phases
come from one `numpy.random.Generator`, so a frame depends only on (seed, t).
When the clip loops, frequencies are whole cycles per clip, making the noise
exactly periodic so the last frame flows into the first.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent generator per named stream, so adding an effect never reshuffles another."""
    key = [ord(ch) for ch in stream]
    return np.random.Generator(np.random.PCG64([seed & 0xFFFFFFFF, *key]))


@dataclass(frozen=True)
class SmoothSignal:
    """A sum of sinusoids in normalised clip time u (0..1), roughly within -1..1."""

    cycles: np.ndarray
    amplitudes: np.ndarray
    phases: np.ndarray

    @classmethod
    def draw(
        cls,
        rng: np.random.Generator,
        low_cycles: float,
        high_cycles: float,
        harmonics: int = 3,
        loop: bool = False,
    ) -> SmoothSignal:
        """Frequencies spread over [low, high] cycles per clip, amplitude falling as 1/f (pink-ish)."""
        cycles = np.sort(rng.uniform(low_cycles, high_cycles, harmonics))
        if loop:
            cycles = np.maximum(np.round(cycles), 1.0)
        amplitudes = 1.0 / cycles
        amplitudes /= amplitudes.sum()
        return cls(cycles=cycles, amplitudes=amplitudes, phases=rng.uniform(0.0, 2.0 * np.pi, harmonics))

    def __call__(self, u: np.ndarray | float) -> np.ndarray:
        u = np.asarray(u, dtype=np.float64)
        angles = 2.0 * np.pi * np.multiply.outer(u, self.cycles) + self.phases
        return np.sin(angles) @ self.amplitudes

    def peak(self) -> float:
        """An upper bound of |signal|, for sizing margins."""
        return float(self.amplitudes.sum())
