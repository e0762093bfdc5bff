"""What every sound layer is rendered from: one seeded generator, the timeline, its driving curve."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from stillmotion.audio.control import Timeline


@dataclass(frozen=True)
class LayerInput:
    rng: np.random.Generator
    """The layer's own generator (a child of the task seed), so adding a layer never shifts another."""
    timeline: Timeline
    drive: np.ndarray
    """Per rendered sample, 0..1: rain density, water swell, fire flicker, gust strength."""
    intensity: float = 1.0
    """From the words: 0.3 for a 'light drizzle', 1.0 for a 'downpour'."""
    variant: str | None = None
    """A flavour named by the words, e.g. 'gull' for birds."""

    @property
    def samples(self) -> int:
        return self.timeline.rendered
