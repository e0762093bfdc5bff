"""A diffusion task's progress in proportion to where its time goes: denoising, decode, retiming.

Each stage's cost is kept as seconds per unit of work (a denoising step over one native
pixel-frame, a decoded native pixel-frame, a retimed output pixel-frame), measured on every
task and smoothed, so the bar moves at an even pace on the machine it runs on: on an H100 the
decode of a 14B Wan clip is a few percent, on a CPU with a tiny model it is most of the time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

_PRIOR_SECONDS = {"denoise": 1.8e-7, "decode": 3e-7, "retime": 1.4e-7}
"""Seconds per unit before anything is measured, from the H100 rows of docs/benchmarks.md (Wan
14B 480p: 5.7 s per step over 81x832x480, about 10 s of decode, retiming on the CPU)."""
_SMOOTHING = 0.5
"""Weight of the newest measurement: adapts in a task or two, one odd task does not swing it."""


@dataclass(frozen=True)
class Shares:
    """Fractions of the task's frame-making time; they sum to 1."""

    denoise: float
    decode: float
    retime: float


@dataclass(frozen=True)
class Work:
    """The units of each stage for one task."""

    denoise: float
    decode: float
    retime: float

    @classmethod
    def of(cls, steps: int, native_frames: int, native_pixels: int, out_frames: int, out_pixels: int) -> Work:
        return cls(steps * native_frames * native_pixels, native_frames * native_pixels, out_frames * out_pixels)


class StageClock:
    """Per-engine seconds per unit of each stage; renders run one at a time but read concurrently."""

    def __init__(self) -> None:
        self._per_unit = dict(_PRIOR_SECONDS)
        self._lock = threading.Lock()
        self.last: dict[str, float] = {}
        """Seconds each stage took the last time it ran (bench/diffusion.py prints them)."""

    def shares(self, work: Work) -> Shares:
        with self._lock:
            seconds = {stage: self._per_unit[stage] * getattr(work, stage) for stage in self._per_unit}
        total = sum(seconds.values()) or 1.0
        return Shares(seconds["denoise"] / total, seconds["decode"] / total, seconds["retime"] / total)

    def record(self, stage: str, seconds: float, units: float) -> None:
        if units <= 0 or seconds <= 0:
            return
        with self._lock:
            self.last[stage] = seconds
            self._per_unit[stage] += _SMOOTHING * (seconds / units - self._per_unit[stage])
