"""What a prompt already asks for and what it forbids, in the motion engine's terms.

The enhancer must not repeat what the user named, must not add what the user
or the negative prompt excluded, and its LLM path must not sneak an excluded
thing back in. All three are questions about how the motion engine will read
a text, so they are answered by the engine's own prompt reader
(`engines.motion.prompt_match`): a word means here exactly what it means to
the renderer, and there is one vocabulary in the project, not two.

A named thing is keyed "group:kind" ("region:sky", "camera:pan",
"particle:rain"); a bare "camera movement" is "camera:any".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from stillmotion.engines.motion.lexicon import MODIFIER_PHRASES
from stillmotion.engines.motion.prompt_match import Mention, read_prompt

Tempo = Literal["calm", "fast"]

ANY_CAMERA = "camera:any"
STATIC_CAMERA = "camera:static"

_WORD_SPEED: dict[str, float] = {
    word: modifier.speed
    for pattern, modifier in MODIFIER_PHRASES.items()
    if " " not in pattern
    for word in pattern.split("|")
}
"""Tempo of single speed words. The engine ignores an adjective that qualifies
nothing it animates ("a calm evening"), but it still tells the user's mood."""


@dataclass(frozen=True)
class PromptReading:
    asks: frozenset[str]
    """Named and not negated: the user wants or describes these; the engine animates them."""
    forbids: frozenset[str]
    """Things named after "no", "without", ...: the user excludes them."""
    tempo: Tempo | None
    """"calm" when the speed words only slow things down, "fast" when they only speed
    things up, None when there are none or they disagree."""

    @property
    def names(self) -> frozenset[str]:
        return self.asks | self.forbids


def _key(mention: Mention) -> str:
    concept = mention.concept
    if concept.group == "generic_camera":
        return ANY_CAMERA
    return f"{concept.group}:{concept.kind}" if concept.kind else concept.group


def read(text: str | None) -> PromptReading:
    """Read `text` the way the motion engine will."""
    reading = read_prompt(text or "")
    asks = frozenset(_key(m) for m in reading.mentions if not m.negated)
    forbids = frozenset(_key(m) for m in reading.mentions if m.negated)
    speeds = [g.modifier.speed for g in reading.global_modifiers]
    speeds += [m.speed for m in reading.mentions if not m.negated]
    speeds += [_WORD_SPEED[word] for word in reading.unattached if word in _WORD_SPEED]
    slower = any(s < 1.0 for s in speeds)
    faster = any(s > 1.0 for s in speeds)
    tempo: Tempo | None = (
        "calm" if slower and not faster else "fast" if faster and not slower else None
    )
    return PromptReading(asks=asks, forbids=forbids, tempo=tempo)


def excluded_by(prompt: PromptReading, negative: PromptReading) -> frozenset[str]:
    """Everything the enhancer must not add: what the negative prompt names
    (negated there or not: "no rain" in a negative prompt still means rain is
    unwanted) plus what the prompt itself negates."""
    return negative.names | prompt.forbids


def is_excluded(key: str, excluded: frozenset[str]) -> bool:
    """Whether adding `key` would go against `excluded`. A generic "camera
    movement" excludes every move, though not the static camera that honours it."""
    if key in excluded:
        return True
    return key.startswith("camera:") and key != STATIC_CAMERA and ANY_CAMERA in excluded
