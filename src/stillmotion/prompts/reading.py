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

import re
from dataclasses import dataclass
from typing import Literal

from stillmotion.engines.motion.lexicon import MODIFIER_PHRASES
from stillmotion.engines.motion.notes import UNMADE_MOVES, elsewhere, later_camera_moves, unrenderable
from stillmotion.engines.motion.prompt_match import Mention, read_prompt
from stillmotion.engines.motion.prompt_paraphrase import closest_concept
from stillmotion.engines.motion.scene import SceneAnalysis

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


_CHUNK = re.compile(r"[^,.;!?。，、；！？]+[,.;!?。，、；！？]*")

_RENDERED_PHRASES: dict[str, str] = {
    "region:fire": "flames flicker",
    "region:water": "water ripples and shimmers",
    "region:sky": "clouds drift",
    "region:foliage": "trees and grass sway",
    "region:smoke": "smoke rises",
    "region:steam": "steam rises",
    "region:fog": "mist drifts",
    "region:heat": "heat shimmers",
    "region:light": "lights glow and flicker",
    "region:twinkle": "the stars and point lights twinkle",
    "region:rays": "light rays shine through",
}
"""How a renderable thing is said again when the user's clause around it is left out."""


def chunks(text: str) -> list[str]:
    """`text` cut after each punctuation mark, every piece kept as written (they join back to `text`)."""
    return _CHUNK.findall(text)


def renderable_prompt(text: str, scene: SceneAnalysis | None) -> str:
    """The user's prompt less every clause that asks for what the motion engine will not render.

    A clause that names a subject's action, a region the photo lacks, a pull-out, a place
    a plume will not rise from, or nothing understood at all is left out (the task's notes
    say why); what it named
    that will render is said again in the engine's words ("the rocket launches with
    fire" keeps "flames flicker"; "pull out" becomes "static camera", never the default
    push-in).
    """
    kept: list[str] = []
    extra: list[str] = []
    # A clip makes one camera move: the moves named after the first, by their words.
    whole = read_prompt(text, closest_concept)
    later = {m.text for m in whole.mentions if m.start in later_camera_moves(whole)}
    for piece in chunks(text):
        # Read as the engine reads the user's words (paraphrases too), so a clause the engine would
        # understand is never dropped here, and one it would not is never kept.
        reading = read_prompt(piece, closest_concept)
        blocked = reading.not_understood or any(
            m.text in later or unrenderable(m, scene) or elsewhere(m, scene) for m in reading.mentions
        )
        if not blocked:
            kept.append(piece)
            continue
        for mention in reading.mentions:
            if mention.negated or mention.text in later:
                continue
            if unrenderable(mention, scene) is None:
                extra.append(_said_again(mention))
            elif mention.concept.group == "camera" and mention.concept.kind in UNMADE_MOVES:
                extra.append("static camera")
    lead = "".join(kept).strip()
    tail = ", ".join(dict.fromkeys(p for p in extra if p))
    if not tail:
        return lead.rstrip(",;:").rstrip()
    return f"{lead.rstrip(',;:')}, {tail}" if lead else tail


def _said_again(mention: Mention) -> str:
    concept = mention.concept
    if concept.group == "camera":
        if concept.kind == "static":
            return "static camera"
        pace = "slow" if mention.speed < 1.0 else "fast" if mention.speed > 1.0 else ""
        return " ".join(w for w in (pace, concept.kind.replace("_", " "), mention.direction) if w)
    if concept.group == "region":
        return _RENDERED_PHRASES[f"region:{concept.kind}"]
    if concept.group == "particle":
        return mention.text
    return _FLAGS_SAID.get(concept.group, "")


_FLAGS_SAID = {"handheld": "handheld camera", "loop": "seamless loop", "cinemagraph": "cinemagraph",
               "smooth": "smooth"}
"""The flag groups said again in words the engine reads as the same flag: "camera shakes as the
engines roar" keeps its shake when the roar is left out."""


def region_asks(text: str) -> frozenset[str]:
    """The region kinds `text` asks for, read as the engine reads them, paraphrases too: "drift
    by" is the sky's, and must leave the enhanced prompt when the sky is too faint to show."""
    return frozenset(m.concept.kind for m in read_prompt(text, closest_concept).mentions
                     if m.concept.group == "region" and not m.negated)


def without_kinds(text: str, dropped: frozenset[str]) -> str:
    """`text` less what it says of the region kinds in `dropped` (motion measured too faint to
    show: the enhanced prompt must not claim it). A clause that names only those is left out;
    one that also names what renders is said again in the engine's words for that alone ("the
    camera pushes in as ripples spread across the water and leaves rustle" claimed the ripples)."""
    if not dropped:
        return text
    kept = []
    for piece in chunks(text):
        asks = [m for m in read_prompt(piece, closest_concept).mentions if not m.negated]
        faint = [m for m in asks if m.concept.group == "region" and m.concept.kind in dropped]
        if not faint:
            kept.append(piece)
            continue
        said = ", ".join(dict.fromkeys(p for m in asks if m not in faint and (p := _said_again(m))))
        if said:
            kept.append(said + piece[len(piece.rstrip(_ENDINGS)):])  # the clause's own punctuation
    return "".join(kept).strip().rstrip(",") or text


_ENDINGS = ",.;!?。，、；！？ \t\n"
