"""Prompt -> motion plan: what to move, how fast, how strongly, and why.

`plan_motion` reads the prompt with the lexicon (`prompt_match`), lets the
paraphrase model guess only where the lexicon understood nothing, removes
what the prompt negates or the negative prompt names, fills in what the image
suggests when the prompt says nothing (or when cfg_scale is low), and writes
down every decision in `MotionPlan.explanation`.

Contract with the renderer: per-item values (`camera.amount`, each effect's
`speed`, `strength`, `density`) carry the words of their own clause ("clouds
drift slowly"); `MotionPlan.speed` and `.strength` carry what applies to the
whole clip (global speed words, cfg_scale, the negative prompt), and the
renderer multiplies the two.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from stillmotion.engines.motion import lexicon, prompt_paraphrase
from stillmotion.engines.motion.lexicon import Concept
from stillmotion.engines.motion.notes import UNMADE_MOVES, falling_water, prompt_notes, region_found
from stillmotion.engines.motion.plan import (
    CameraKind,
    CameraMove,
    Direction,
    MotionPlan,
    ParticleEffect,
    ParticleKind,
    RegionEffect,
    RegionKind,
)
from stillmotion.engines.motion.prompt_match import Mention, Reading, read_prompt, tokenize
from stillmotion.engines.motion.scene import SceneAnalysis

# cfg_scale -> global strength, piecewise linear through these knots (docs/motion-planning.md).
CFG_KNOTS = (1.0, 5.0, 15.0)
STRENGTH_AT_KNOTS = (0.25, 0.5, 0.9)
EXTRAS_MAX_CFG = 3.0
"""At or below this cfg_scale the engine adds scene motion the prompt did not name."""

BASE_LEVEL = 0.5
"""Camera amount, effect strength and particle density of a plainly named thing."""
SCENE_LEVEL = 0.35
"""Strength of motion the engine adds on its own: visible, never the main event."""
SEED_JITTER = 0.08
"""Seeds vary amounts, speeds and strengths by up to +-8%: variations, not different plans."""
DEFAULT_HANDHELD = 0.5

SMOOTHING_DEFAULT = 0.5
SMOOTHING_SMOOTH_WORD = 0.7
SMOOTHING_NEGATIVE_JERKY = 0.85
NEGATIVE_STILLNESS_GAIN = 1.25
"""'static', 'frozen' in the negative prompt: the user wants more motion."""
NEGATIVE_SOFTNESS_SPEED = 0.85
NEGATIVE_SOFTNESS_STRENGTH = 0.9
"""'blurry', 'warped' in the negative prompt: calmer motion blurs and stretches less."""

_HORIZONTAL: tuple[Direction, ...] = ("left", "right")
_VERTICAL: tuple[Direction, ...] = ("up", "down")
_AXIS_KIND = {
    # kind -> (kind for a left/right direction, kind for an up/down direction)
    "pan": ("pan", "tilt"),
    "tilt": ("pan", "tilt"),
    "truck": ("truck", "pedestal"),
    "pedestal": ("truck", "pedestal"),
    "orbit": ("orbit", "orbit"),
}
_SCENE_DEFAULTS: tuple[tuple[str, str, float], ...] = (
    # (scene element, region kind, tempo): clouds and foliage calm, fire lively by nature.
    ("sky", "sky", 0.6),
    ("foliage", "foliage", 0.6),
    ("water", "water", 0.7),
    ("fire", "fire", 1.0),
)


def cfg_strength(cfg_scale: float) -> float:
    """Global strength for a cfg_scale: 0.25 at 1, 0.5 at 5 (the default), 0.9 at 15."""
    return float(np.interp(cfg_scale, CFG_KNOTS, STRENGTH_AT_KNOTS))


def plan_motion(
    prompt: str,
    negative_prompt: str,
    cfg_scale: float,
    seed: int,
    scene: SceneAnalysis | None,
    *,
    paraphrase: bool = True,
    user_prompt: str | None = None,
) -> MotionPlan:
    """The motion plan for one request; the same arguments always give the same plan.

    `user_prompt`: what the user wrote, when `prompt` is the enhancer's version of it;
    the plan's notes quote the user's words (the enhancer leaves out what will not render).
    """
    chance = _Chance(seed)
    why: list[str] = []
    # 1. Read both prompts.
    paraphraser = prompt_paraphrase.closest_concept if paraphrase else None
    reading = read_prompt(prompt, paraphraser)
    unwanted = _read_negative(negative_prompt)
    _note_paraphrases(reading, why)
    # 2. Clip-wide tempo, strength (cfg_scale) and smoothing.
    speed, strength, smoothing = _globals(reading, unwanted, cfg_scale, why)
    # 3. What the prompt names, less what it negates and the negative prompt names.
    named = [m for m in reading.mentions if not m.negated and m.concept.group in ("region", "particle")
             and not (scene is not None and falling_water(m))]  # fmt: skip
    removed = _removed_kinds(reading, unwanted, why)
    regions = [
        RegionEffect(cast(RegionKind, e.kind), strength=e.level, speed=e.speed, direction=e.direction)
        for e in _settings(named, "region", removed, chance, why)
    ]
    particles = [
        ParticleEffect(cast(ParticleKind, e.kind), density=e.level, speed=e.speed, direction=e.direction)
        for e in _settings(named, "particle", removed, chance, why)
    ]
    # 4. What the image shows, when the prompt names nothing or cfg_scale is low.
    camera_named = any(
        not m.negated and (m.concept.group == "handheld" or camera_kind(m) is not None)
        for m in reading.mentions
    )
    if scene is not None and (cfg_scale <= EXTRAS_MAX_CFG or not (named or camera_named)):
        reason = "cfg_scale is low" if named or camera_named else "the prompt names no motion"
        regions += _scene_regions(scene, {r.kind for r in regions} | removed, reason, chance, why)
    if scene is not None:
        regions = _found(regions, scene, why)
        regions += _rain_ripples(particles, regions, scene, removed, why)
    # 5. Loop and camera (the loop decides the default camera).
    loop = _loop(reading, unwanted, why)
    camera = _camera(reading, unwanted, loop, chance, why)
    if reading.unattached:
        why.append("words with nothing named to apply to: " + ", ".join(f'"{w}"' for w in reading.unattached))
    for mention in reading.mentions:
        if mention.concept.group == "subject" and not mention.negated:
            why.append(f'"{mention.text}": a subject\'s action, not rendered (see notes)')
    said = reading if user_prompt is None else read_prompt(user_prompt, paraphraser)
    return MotionPlan(
        camera=camera,
        regions=tuple(regions),
        particles=tuple(particles),
        speed=speed,
        strength=strength,
        smoothing=smoothing,
        loop=loop,
        explanation=tuple(why),
        notes=tuple(prompt_notes(said, scene, removed)),
    )


def _note_paraphrases(reading: Reading, why: list[str]) -> None:
    for mention in reading.mentions:
        if mention.paraphrase is not None:
            why.append(f'paraphrase: "{mention.text}" read as {_label(mention.concept)} '
                       f"(similarity {mention.paraphrase:.2f})")


class _Chance:
    """Seeded random choices, one independent stream per purpose.

    Keying each choice by its purpose (not by draw order) keeps every other
    choice unchanged when a prompt adds or drops one effect.
    """

    def __init__(self, seed: int) -> None:
        self.seed = int(seed) % 2**63  # numpy seeds must be non-negative

    def _rng(self, purpose: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, zlib.crc32(purpose.encode())])

    def pick(self, purpose: str, options: Sequence[Direction]) -> Direction:
        return options[int(self._rng(purpose).integers(len(options)))]

    def jitter(self, purpose: str) -> float:
        return float(1.0 + SEED_JITTER * self._rng(purpose).uniform(-1.0, 1.0))


@dataclass(frozen=True)
class _Unwanted:
    """What the negative prompt asks to avoid."""

    kinds: frozenset[str]
    """Camera, region and particle kinds named ("handheld" for camera shake)."""
    jerky: tuple[str, ...]
    still: tuple[str, ...]
    soft: tuple[str, ...]


def _read_negative(negative_prompt: str) -> _Unwanted:
    reading = read_prompt(negative_prompt)
    kinds = frozenset(m.concept.kind or m.concept.group for m in reading.mentions)
    words = tokenize(negative_prompt)

    def found(vocabulary: frozenset[str]) -> tuple[str, ...]:
        return tuple(sorted({w for w in words if w in vocabulary}))

    return _Unwanted(
        kinds,
        found(lexicon.NEGATIVE_SMOOTHING_WORDS),
        found(lexicon.NEGATIVE_STILLNESS_WORDS),
        found(lexicon.NEGATIVE_SOFTNESS_WORDS),
    )


def _globals(
    reading: Reading, unwanted: _Unwanted, cfg_scale: float, why: list[str]
) -> tuple[float, float, float]:
    """Clip-wide speed, strength and smoothing."""
    strength = cfg_strength(cfg_scale)
    why.append(f"cfg_scale {cfg_scale:g}: global strength {strength:.2f}"
               + (", scene motion added" if cfg_scale <= EXTRAS_MAX_CFG else ""))
    speed = 1.0
    for g in reading.global_modifiers:
        speed *= g.modifier.speed
        strength *= g.modifier.strength
        why.append(f'"{g.text}" applies to the whole clip: speed x{g.modifier.speed:.2f}, '
                   f"strength x{g.modifier.strength:.2f}")
    smoothing = SMOOTHING_DEFAULT
    if any(m.concept.group == "smooth" and not m.negated for m in reading.mentions):
        smoothing = SMOOTHING_SMOOTH_WORD
        why.append(f"smooth motion asked: smoothing {smoothing}")
    if unwanted.jerky:
        smoothing = max(smoothing, SMOOTHING_NEGATIVE_JERKY)
        why.append(f"negative prompt {', '.join(unwanted.jerky)}: smoothing {smoothing}")
    if unwanted.still:
        strength *= NEGATIVE_STILLNESS_GAIN
        why.append(f"negative prompt {', '.join(unwanted.still)}: strength x{NEGATIVE_STILLNESS_GAIN}")
    if unwanted.soft:
        speed *= NEGATIVE_SOFTNESS_SPEED
        strength *= NEGATIVE_SOFTNESS_STRENGTH
        why.append(f"negative prompt {', '.join(unwanted.soft)}: speed x{NEGATIVE_SOFTNESS_SPEED}, "
                   f"strength x{NEGATIVE_SOFTNESS_STRENGTH}")
    return speed, float(np.clip(strength, 0.05, 1.0)), smoothing


def _removed_kinds(reading: Reading, unwanted: _Unwanted, why: list[str]) -> set[str]:
    """Region and particle kinds the prompt negates or the negative prompt names."""
    removed: set[str] = set()
    for m in reading.mentions:
        if m.negated and m.concept.group in ("region", "particle"):
            removed.add(m.concept.kind)
            why.append(f'removed {m.concept.kind}: the prompt says no to "{m.text}"')
    effect_kinds = {c.kind for c in lexicon.ALL_PHRASES.values() if c.group in ("region", "particle")}
    for kind in sorted(unwanted.kinds & effect_kinds - removed):
        removed.add(kind)
        why.append(f"removed {kind}: named in the negative prompt")
    return removed


def _merged(mentions: Iterable[Mention]) -> dict[str, list[Mention]]:
    """Mentions grouped by kind, in order of first mention ("trees sway gently" is one foliage)."""
    groups: dict[str, list[Mention]] = {}
    for m in mentions:
        groups.setdefault(m.concept.kind, []).append(m)
    return groups


@dataclass(frozen=True)
class _Setting:
    """One region or particle effect's numbers, before it becomes a plan item."""

    kind: str
    level: float
    speed: float
    direction: Direction | None


def _settings(
    named: list[Mention], group: str, removed: set[str], chance: _Chance, why: list[str]
) -> list[_Setting]:
    out = []
    for kind, mentions in _merged(m for m in named if m.concept.group == group).items():
        if kind in removed:
            continue
        speed = float(np.prod([m.speed for m in mentions])) * chance.jitter(f"{kind}.speed")
        level = float(np.prod([m.strength for m in mentions])) * BASE_LEVEL
        level = float(np.clip(level * chance.jitter(f"{kind}.level"), 0.05, 1.0))
        direction = next((m.direction for m in reversed(mentions) if m.direction), None)
        if direction is None and kind == "sky":
            direction = chance.pick("sky.direction", _HORIZONTAL)
        out.append(_Setting(kind, level, speed, direction))
        words = ", ".join(f'"{w}"' for m in mentions for w in [m.text, *m.modifiers])
        why.append(f"{kind}: {words} -> {'strength' if group == 'region' else 'density'} "
                   f"{level:.2f}, speed {speed:.2f}" + (f", toward {direction}" if direction else ""))
    return out


def _scene_regions(
    scene: SceneAnalysis, taken: set[str], reason: str, chance: _Chance, why: list[str]
) -> list[RegionEffect]:
    """Tasteful motion for what the image clearly shows; water only on strong evidence."""
    out = []
    for element, kind, tempo in _SCENE_DEFAULTS:
        if element not in scene.elements or kind in taken:
            continue
        direction = chance.pick("sky.direction", _HORIZONTAL) if kind == "sky" else None
        strength = SCENE_LEVEL * chance.jitter(f"{kind}.level")
        speed = tempo * chance.jitter(f"{kind}.speed")
        out.append(RegionEffect(cast(RegionKind, kind), strength=strength, speed=speed, direction=direction))
        why.append(f"scene: {element} seen and {reason} -> gentle {kind} motion"
                   + (f" toward {direction} (seed)" if direction else ""))
    return out


def _found(regions: list[RegionEffect], scene: SceneAnalysis, why: list[str]) -> list[RegionEffect]:
    """The regions the photo has somewhere to move; the others are dropped (the notes say why)."""
    kept = []
    for region in regions:
        if region_found(region.kind, scene):
            kept.append(region)
        else:
            why.append(f"{region.kind}: named, but not found in the image; not rendered")
    return kept


def _rain_ripples(
    particles: list[ParticleEffect], regions: list[RegionEffect], scene: SceneAnalysis, removed: set[str],
    why: list[str],
) -> list[RegionEffect]:
    """Rain on water the photo shows (sure of it, or the prompt names it and it is found) rings
    the water: the rain's own density sets how strongly."""
    rain = next((p for p in particles if p.kind == "rain"), None)
    water = "water" in scene.elements or any(r.kind == "water" for r in regions)
    if rain is None or "ripples" in removed:
        return []
    if not water:
        why.append("rain: no water found, so no ripples")
        return []
    strength = float(np.clip(rain.density, 0.05, 1.0))
    why.append(f"ripples: rain falls on the water found in the photo -> strength {strength:.2f}")
    return [RegionEffect("ripples", strength=strength, speed=rain.speed)]


def _loop(reading: Reading, unwanted: _Unwanted, why: list[str]) -> bool:
    """"loop", "seamless" or "cinemagraph", unless negated or refused by the negative prompt."""
    asked = any(m.concept.group in ("loop", "cinemagraph") and not m.negated for m in reading.mentions)
    if asked and unwanted.kinds & {"loop", "cinemagraph"}:
        why.append("loop: asked for, but the negative prompt names it")
        return False
    if asked:
        why.append("seamless loop: the last frame flows into the first")
    return asked


def _camera(
    reading: Reading, unwanted: _Unwanted, looping: bool, chance: _Chance, why: list[str]
) -> CameraMove:
    handheld = _handheld(reading, unwanted, why)
    moves = [m for m in reading.mentions if not m.negated and camera_kind(m) is not None]
    for m in moves[1:]:
        why.append(f'camera: also named "{m.text}"; one camera move per clip, kept the first')
    if moves and camera_kind(moves[0]) in unwanted.kinds:
        why.append(f"camera: {camera_kind(moves[0])} named in the negative prompt, dropped")
        moves = []
    if not moves:
        return _default_camera(reading, unwanted, looping, handheld, why)
    move = moves[0]
    kind = camera_kind(move)
    assert kind is not None
    if kind in UNMADE_MOVES:
        why.append(f'camera: static ("{move.text}": {kind.replace("_", "-")} is not made, see notes)')
        return CameraMove("static", None, 0.0, handheld)
    direction = move.direction
    if kind in _AXIS_KIND and direction is None:
        options = _VERTICAL if kind in ("tilt", "pedestal") else _HORIZONTAL
        direction = chance.pick("camera.direction", options)
        why.append(f"camera: no direction named, {direction} (seed)")
    if kind not in _AXIS_KIND:
        direction = None
    amount = 0.0 if kind == "static" else float(
        np.clip(BASE_LEVEL * move.speed * move.strength * chance.jitter("camera.amount"), 0.05, 1.0)
    )
    why.append(f'camera: {kind}{" " + direction if direction else ""} ("{move.text}"'
               + "".join(f', "{w}"' for w in move.modifiers) + f"), amount {amount:.2f}")
    return CameraMove(cast(CameraKind, kind), direction, amount, handheld)


def camera_kind(mention: Mention) -> str | None:
    """The camera kind a mention names, with its direction applied ("pan up" is a tilt)."""
    concept, direction = mention.concept, mention.direction
    if concept.group == "generic_camera":
        if direction is None:
            return None  # a bare "camera" names no move
        return "truck" if direction in _HORIZONTAL else "pedestal"
    if concept.group != "camera":
        return None
    if concept.kind in _AXIS_KIND and direction is not None:
        return _AXIS_KIND[concept.kind][0 if direction in _HORIZONTAL else 1]
    return concept.kind


def _handheld(reading: Reading, unwanted: _Unwanted, why: list[str]) -> float:
    said = [m for m in reading.mentions if m.concept.group == "handheld" and not m.negated]
    if not said:
        return 0.0
    if "handheld" in unwanted.kinds or unwanted.jerky:
        why.append("handheld: asked for, but the negative prompt asks for steady motion")
        return 0.0
    amount = float(np.clip(DEFAULT_HANDHELD * np.prod([m.strength for m in said]), 0.05, 1.0))
    why.append(f'handheld drift {amount:.2f} ("{said[0].text}")')
    return amount


def _default_camera(
    reading: Reading, unwanted: _Unwanted, looping: bool, handheld: float, why: list[str]
) -> CameraMove:
    """No move named: a slow push-in, unless the prompt implies the camera should stay put."""
    # A refused move named loosely ("camera movement: none", read by the paraphraser as a truck)
    # refuses camera movement as such.
    refused = [
        m for m in reading.mentions
        if m.negated and (m.concept.group == "generic_camera" or m.concept.kind == "push_in"
                          or (m.concept.group == "camera" and m.paraphrase is not None))
    ]
    if refused:
        why.append(f'camera: static ("{refused[0].text}" negated)')
        return CameraMove("static", None, 0.0, handheld)
    if looping:
        why.append("camera: static, so the loop closes (a one-way move cannot)")
        return CameraMove("static", None, 0.0, handheld)
    if handheld and "static" not in unwanted.kinds:
        why.append("camera: static with handheld drift (no move named)")
        return CameraMove("static", None, 0.0, handheld)
    if unwanted.kinds & {"push_in", "generic_camera"}:
        why.append("camera: static (camera movement or push-in named in the negative prompt)")
        return CameraMove("static", None, 0.0, handheld)
    amount = BASE_LEVEL * lexicon.SLOW.speed * lexicon.SLOW.strength
    why.append(f"camera: no move named, default slow push-in (amount {amount:.2f})")
    return CameraMove("push_in", None, amount, handheld)


def _label(concept: Concept) -> str:
    return concept.kind or concept.group
