"""The rule-based enhancer: a short prompt plus what the photo shows -> a motion description.

Rules, in order of precedence:
1. The user's words come first, unchanged; nothing is removed or reworded.
2. Nothing is added that the negative prompt names, or that the prompt negates.
3. Nothing is added that the user already named (their words decide how it moves).
4. Only what the photo shows is animated; no rain or snow is invented.
5. Shorter clips get subtler wording and fewer moving things; speed words in
   the prompt ("calm", "fast") or in the negative prompt shift that.

Every phrase is written in the motion engine's vocabulary and checked with the
engine's own reader (`reading.read`), so what is excluded is excluded in the
engine's terms, not in a second, drifting word list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from stillmotion.prompts.reading import (
    ANY_CAMERA,
    STATIC_CAMERA,
    PromptReading,
    excluded_by,
    is_excluded,
    read,
)
from stillmotion.prompts.scene_summary import SceneSummary

Tier = Literal["subtle", "gentle", "steady"]
Allowed = Callable[[str], bool]
"""Whether a clause names nothing the user excluded."""
_TIERS: tuple[Tier, ...] = ("subtle", "gentle", "steady")

_MAX_MOVING_THINGS: dict[Tier, int] = {"subtle": 2, "gentle": 3, "steady": 4}
"""How many animated things (the user's and ours together) a clip carries: a
1-2 s clip with four moving layers reads as jitter, a 6 s one has time for them."""

_PAN_MIN_SKY = 0.3
_PAN_MIN_ASPECT = 1.3
"""A wide frame with a big sky is a vista: a slow pan shows it off better than a push-in."""


@dataclass(frozen=True)
class _Phrase:
    """One clause to add, worded per tier."""

    subtle: str
    gentle: str
    steady: str

    def text(self, tier: Tier) -> str:
        return {"subtle": self.subtle, "gentle": self.gentle, "steady": self.steady}[tier]


# In the order they are added (the most eye-catching first), keyed by the scene
# element that calls for them.
_EFFECTS: dict[str, _Phrase] = {
    "fire": _Phrase("flames flicker softly", "flames flicker gently", "flames flicker and dance"),
    "water": _Phrase(
        "water shimmers gently", "water shimmers and ripples gently", "water ripples and shimmers"
    ),
    "sky": _Phrase(
        "clouds drift very slowly",
        "clouds drift slowly across the sky",
        "clouds drift steadily across the sky",
    ),
    "foliage": _Phrase(
        "leaves sway slightly",
        "trees and grass sway gently in the breeze",
        "trees and grass sway in the breeze",
    ),
    "mist": _Phrase(
        "mist drifts very slowly", "mist drifts slowly", "fog drifts slowly across the scene"
    ),
    "lights": _Phrase(
        "lights glow softly", "lights glow and flicker softly", "lights glow and flicker"
    ),
    "golden_light": _Phrase(
        "warm golden light glows faintly",
        "warm golden light glows softly",
        "warm golden light glows",
    ),
}

_CAMERA: dict[str, _Phrase] = {
    "push_in": _Phrase("very slow push in", "slow push in", "slow push in"),
    "pan_right": _Phrase("very slow pan right", "slow pan right", "slow pan right"),
}
_STATIC = "static camera"

_CAPTION_LIGHT = {
    "golden_hour": " at golden hour",
    "night": " at night",
    "overcast": " on an overcast day",
    "day": "",
}


def enhance_with_rules(
    prompt: str | None, negative_prompt: str | None, scene: SceneSummary, duration: int, *, caption: bool = True
) -> str:
    """The enhanced prompt: the user's words, then the motion the photo supports.

    `caption`: open an empty prompt with a few words of what the photo is (False when
    the user wrote something that will not render: no caption stands in for it)."""
    user = " ".join((prompt or "").split())
    asked = read(user)
    negative = read(negative_prompt)
    excluded = excluded_by(asked, negative)
    tier = _tier(duration, asked, negative)

    def allowed(text: str) -> bool:
        return not any(is_excluded(key, excluded) for key in read(text).asks)

    clauses: list[str] = []
    camera = _camera_clause(scene, asked, excluded, tier, allowed)
    if camera:
        clauses.append(camera)
    moving = sum(1 for key in asked.asks if key.startswith(("region:", "particle:")))
    for element in _effects_for(scene):
        if moving >= _MAX_MOVING_THINGS[tier]:
            break
        text = _EFFECTS[element].text(tier)
        if _already_named(text, asked) or not allowed(text):
            continue
        clauses.append(text)
        moving += 1

    return _join(user or (_caption(scene, allowed) if caption else ""), clauses)


def _join(lead: str, clauses: list[str]) -> str:
    """`lead` as given, then the clauses as one sentence: "A lake. Slow push in, water ..."."""
    if not clauses:
        return lead
    tail = ", ".join(clauses) + "."
    if lead and lead[-1] in ",;:":  # the user left the sentence open: carry on in it
        return f"{lead} {tail}"
    tail = tail[0].upper() + tail[1:]
    if not lead:
        return tail
    return f"{lead}{'' if lead[-1] in '.!?' else '.'} {tail}"


def _tier(duration: int, asked: PromptReading, negative: PromptReading) -> Tier:
    base = 0 if duration <= 2 else 1 if duration <= 4 else 2
    if negative.tempo == "fast":  # "fast" among the unwanted: keep it slow
        base = 0
    elif negative.tempo == "calm":  # "slow" among the unwanted: give it some life
        base = 2
    elif asked.tempo == "calm":
        base = max(0, base - 1)
    elif asked.tempo == "fast":
        base = 2
    return _TIERS[base]


def _camera_clause(
    scene: SceneSummary,
    asked: PromptReading,
    excluded: frozenset[str],
    tier: Tier,
    allowed: Allowed,
) -> str | None:
    if any(key.startswith("camera:") or key == "handheld" for key in asked.asks):
        return None  # the user chose the camera
    if ANY_CAMERA in excluded:
        return None if STATIC_CAMERA in excluded else _STATIC
    vista = (
        "people" not in scene.elements
        and scene.sky_fraction >= _PAN_MIN_SKY
        and scene.aspect >= _PAN_MIN_ASPECT
    )
    order = ("pan_right", "push_in") if vista else ("push_in", "pan_right")
    for move in order:
        text = _CAMERA[move].text(tier)
        if allowed(text):
            return text
    return None if STATIC_CAMERA in excluded else _STATIC


def _effects_for(scene: SceneSummary) -> list[str]:
    wanted = set(scene.elements)
    if "fire" in wanted:
        wanted.discard("lights")  # the fire is the light; one flicker is enough
    if scene.light == "golden_hour":
        wanted.add("golden_light")
    return [element for element in _EFFECTS if element in wanted]


def _already_named(text: str, asked: PromptReading) -> bool:
    """The user named what this clause animates: their words decide how it moves."""
    return bool(read(text).asks & asked.asks)


def _caption(scene: SceneSummary, allowed: Allowed) -> str:
    """A few words of what the photo is, for an empty prompt."""
    if "people" in scene.elements:
        subject = "A portrait" if scene.faces == 1 else "A group of people"
    elif "sky" in scene.elements:
        subject = "A landscape"
    else:
        subject = "A scene"
    light = _CAPTION_LIGHT[scene.light]
    # "overcast" is a sky word to the engine; keep it out when the sky is unwanted.
    return subject + light if allowed(light) else subject
