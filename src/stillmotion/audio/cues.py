"""What the picture tells the sound, so both follow the same seeded time functions.

An engine that knows its motion (the motion engine's plan) fills one of these;
the audio synthesis reads it. Curves are sampled once per video frame and lie
in 0..1. Known curve names (an engine sets those it has):

- ``rain``: particle density of rain on screen
- ``water``: swell of water motion (waves, lapping), periodic at the wave period
- ``fire``: flicker intensity of flames
- ``wind``: foliage sway / gust strength
- ``camera``: camera push (0 still, 1 fully moved), for a swelling bed
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class AudioCues:
    fps: int
    num_frames: int
    loop: bool = False
    elements: frozenset[str] = frozenset()
    """Scene elements the plan animates, e.g. {"rain", "water", "fire", "foliage", "sky", "snow"}."""
    curves: dict[str, np.ndarray] = field(default_factory=dict)

    @property
    def duration(self) -> float:
        return self.num_frames / self.fps
