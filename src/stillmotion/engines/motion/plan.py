"""The motion plan: what the prompt (or the image, when there is no prompt) asks to move.

This is the contract between the prompt reader (`prompt.py`) and the renderer:
the reader only fills these fields, the renderer only reads them. Every field
is plain data so the plan can be stored with the task and shown by `--explain`.
Amounts and strengths are 0..1 fractions of what the renderer considers the
strongest tasteful effect; `speed` is a tempo multiplier (1 = normal).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

CameraKind = Literal[
    "static", "push_in", "pull_out", "pan", "tilt", "truck", "pedestal", "orbit", "dolly_zoom"
]
RegionKind = Literal["sky", "water", "foliage", "fire", "smoke", "light", "steam", "fog", "heat"]
"""steam, smoke, fog and heat (shimmer) are drawn over the photo where `anchors` places them (`overlays.py`)."""
ParticleKind = Literal["rain", "snow", "petals", "leaves", "fireflies", "dust", "sparkles"]
Direction = Literal["left", "right", "up", "down"]


@dataclass(frozen=True)
class CameraMove:
    kind: CameraKind = "push_in"
    direction: Direction | None = None
    """pan/truck/orbit: left or right; tilt/pedestal: up or down; None for the others."""
    amount: float = 0.5
    handheld: float = 0.0
    """0..1 of a gentle handheld drift added on top of the move."""


@dataclass(frozen=True)
class RegionEffect:
    kind: RegionKind
    strength: float = 0.5
    speed: float = 1.0
    direction: Direction | None = None
    """Drift direction for clouds and fog, flow direction for water, lean of steam/smoke; None: the renderer's default."""


@dataclass(frozen=True)
class ParticleEffect:
    kind: ParticleKind
    density: float = 0.5
    speed: float = 1.0
    direction: Direction | None = None
    """Wind drift; None: the natural direction (rain/snow/petals fall, fireflies wander)."""


@dataclass(frozen=True)
class MotionPlan:
    camera: CameraMove = field(default_factory=CameraMove)
    regions: tuple[RegionEffect, ...] = ()
    particles: tuple[ParticleEffect, ...] = ()
    speed: float = 1.0
    strength: float = 0.5
    """Global effect strength, set by cfg_scale (1: subtle, 15: strong)."""
    smoothing: float = 0.5
    """0..1: how strongly motion is eased/low-passed ("jerky" in the negative prompt raises it)."""
    loop: bool = False
    explanation: tuple[str, ...] = ()
    """Human-readable reasons: the words matched and the defaults chosen."""
    notes: tuple[str, ...] = ()
    """What the user asked for that is not rendered, each naming the user's words and why
    (`notes.py`); the task shows them as `notes`."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
