"""What the user asked for that this engine will not render, said in the user's words.

A note names the words it is about and why: a subject's action, a region the
photo does not show, a pull-out (nothing exists outside frame 0), words not
understood in any language the planner reads, and region motion that would be
too faint to see (measured on rendered frames, `visibility.py`). The enhancer
asks the same questions (`unrenderable`) before it writes its prompt, so the
enhanced prompt never describes what will not be rendered.
"""

from __future__ import annotations

from collections.abc import Iterable

from stillmotion.engines.motion.anchors import ATMOSPHERE_KINDS, place, plume_source
from stillmotion.engines.motion.prompt_match import Mention, Reading
from stillmotion.engines.motion.scene import SceneAnalysis
from stillmotion.engines.motion.scene_masks import WATER_SURE_FRACTION

FOUND_LEVEL = 0.5
"""A region mask must reach this somewhere for the region to count as in the photo."""

SUBJECT_REASON = "a subject's action; the motion engine moves the camera and the scene, a diffusion model animates subjects"
NEW_THING_REASON = (
    "not in the photo, and the motion engine does not draw it: it moves what the photo shows and adds only "
    "rain, snow, petals, leaves, fireflies, dust, sparkles, steam, smoke, fog, heat shimmer, twinkle and light rays"
)
LIGHT_CHANGE_REASON = (
    "a change of light over time is not rendered: the motion engine keeps the photo's own light "
    "(lamps and flames may flicker, nothing darkens or brightens the whole scene)"
)
SURF_REASON = (
    "waves rising and breaking are not in a still photo's pixels; the motion engine moves the water's "
    "surface (ripples and shimmer), it cannot raise or break a wave"
)
GROWTH_REASON = (
    "a plant opening, growing or wilting changes its shape, which the motion engine cannot draw; "
    "it can sway leaves and flowers in the wind"
)
CLOTH_REASON = "cloth or hair moving in the wind is not in a still photo's pixels; the motion engine cannot fold it"
_SUBJECT_REASONS = {"cloth moves": CLOTH_REASON, "new thing": NEW_THING_REASON, "surf": SURF_REASON,
                    "grows": GROWTH_REASON, "light changes": LIGHT_CHANGE_REASON}
"""The subject kinds with a reason of their own; every other is a subject's action (`SUBJECT_REASON`)."""
PULL_OUT_REASON = (
    "the photo is already the widest view there is, and widening it would need picture outside the frame; "
    "the camera stays still instead of pushing in"
)
ROLL_REASON = (
    "turning the picture about its centre (a roll) is not one of this engine's camera moves, and cut "
    "corners would need picture outside the frame; the camera stays still instead"
)
FALLING_WATER_REASON = (
    "the motion engine finds water lying flat (a lake, the sea, a river's surface), never water falling, "
    "so no waterfall or cascade is rendered"
)
UNMADE_MOVES = {"pull_out": PULL_OUT_REASON, "roll": ROLL_REASON}
"""Camera moves read and not made: the camera holds still, and a note says why."""
_ABSENT = {
    "sky": "no sky was found in the photo",
    "water": "no water was found in the photo",
    "foliage": "no trees, grass or leaves were found in the photo",
    "fire": "no flames were found in the photo, and the motion engine does not draw new fire",
    "smoke": "nothing in the photo for smoke to rise from (no flames, cup or clear main subject), so none is drawn",
    "steam": "nothing in the photo for steam to rise from (no flames, cup or clear main subject), so none is drawn",
    "fog": "no ground, water or distance was found for fog to lie on, so none is drawn",
    "heat": "no flames or horizon were found for heat to shimmer over, so none is drawn",
    "twinkle": "no stars or point lights (small bright points in the dark) were found in the photo to twinkle",
    "light": "no lamps or flames (bright points in the dark) were found in the photo to glow or flicker",
    "rays": "no sun, bright sky or bright gap was found in the upper photo for light rays to come from",
}
DOUBTFUL_WATER_REASON = (
    "only a small patch that may be water or sky showing below the horizon was found, too uncertain "
    "to move as water"
)
ONE_MOVE_REASON = "a clip makes one camera move, the first one named ('{first}')"
SMALLER_REASON = (
    "its depth effect (parallax) rendered at {kept:.0%} of the usual: the photo's depth is only "
    "estimated, and more would tear its edges"
)
PARALLAX_MOVES = ("orbit", "truck", "pedestal", "dolly_zoom")
"""Moves that are mostly parallax: cutting it is worth a note (a push-in or pan keeps its zoom or travel)."""
SMALLER_NOTE_BELOW = 0.5
"""A camera move cut to less than half of what was asked is worth a note."""
_BY_NAME = "the motion engine finds flames, a cup or the main subject in a photo, not a thing by its name"
NAMED_SOURCE_REASON = _BY_NAME + "; the {kind} rises from {found} instead"
SUBJECT_SOURCE_REASON = _BY_NAME + "; the {kind} rises from the top of the main subject, which may or may not be it"
_SOURCE_NAMES = {
    "the flames": frozenset("fire flame flames candle candles campfire bonfire fireplace torch embers wick".split()),
    "the cup": frozenset("cup cups mug mugs coffee tea drink espresso latte cappuccino cocoa chocolate soup bowl "
                         "teacup glass".split()),
}
"""Words that name what the engine found (the last word of the user's phrase is the thing)."""
NOT_UNDERSTOOD_REASON = "not understood as a camera move or a scene motion"
WEAK_REASON = "{kind} motion here would move less than a visible amount ({measured}), so it is not rendered"


def region_found(kind: str, scene: SceneAnalysis | None) -> bool:
    """Whether the photo has somewhere for a region effect of this kind to move.

    Lights are the point lights and flames the analysis found (`regions.lamp_mask`; a scene
    built without that mask flickers its brightest pixels); steam, smoke, fog and heat shimmer
    are drawn, not found, wherever `anchors` places them.
    """
    if kind == "light" and (scene is None or "light" not in scene.masks):
        return True
    if scene is None:
        return False
    if kind in ATMOSPHERE_KINDS:
        return place(kind, scene) is not None
    mask = scene.masks.get(kind)
    if mask is None or float(mask.max()) < FOUND_LEVEL:
        return False
    return kind != "water" or not _doubtful_water(scene)


def _doubtful_water(scene: SceneAnalysis) -> bool:
    """Water the detector is not sure of (no reflection or ripple streaks under a sure sky) in a
    patch smaller than it asks of sure water: on the sample photos, every such patch was sky
    dipping below the horizon (beside camera's buildings, between the rocket's pad lights), and
    flowing it as water while saying "rendered" is worse than saying it was not found."""
    if "water" in scene.elements:
        return False
    return float((scene.masks["water"] >= FOUND_LEVEL).mean()) < WATER_SURE_FRACTION


def unrenderable(mention: Mention, scene: SceneAnalysis | None) -> str | None:
    """Why the engine will not render what this mention asks, or None when it will."""
    concept = mention.concept
    if mention.negated:
        return None
    if concept.group == "subject":
        return _SUBJECT_REASONS.get(concept.kind, SUBJECT_REASON)
    if concept.group == "camera" and concept.kind in UNMADE_MOVES:
        return UNMADE_MOVES[concept.kind]
    if falling_water(mention) and scene is not None:
        return FALLING_WATER_REASON
    if concept.group == "region" and scene is not None and not region_found(concept.kind, scene):
        if concept.kind == "water" and float(scene.masks["water"].max()) >= FOUND_LEVEL:
            return DOUBTFUL_WATER_REASON
        return _ABSENT[concept.kind]
    return None


def falling_water(mention: Mention) -> bool:
    """A waterfall or cascade: water the photo would have to show falling. The water mask keeps
    flat bands only (`scene_masks.water_mask`), so on a photo it is never found: before, "the
    waterfall cascades" on china's lake poured the lake downward under `Rendered:`."""
    return mention.concept.group == "region" and mention.concept.kind == "water" and mention.concept.direction == "down"


def elsewhere(mention: Mention, scene: SceneAnalysis | None) -> str | None:
    """Why steam or smoke that will be drawn will not rise from the thing the user named ("from the
    chimney"), or None when it will (or nothing was named, or nothing is drawn: then there is no
    source, and `unrenderable` has the note)."""
    if mention.source is None or mention.negated or scene is None:
        return None
    found = plume_source(scene)
    if found is None or mention.source[1].split()[-1] in _SOURCE_NAMES.get(found.what, frozenset()):
        return None
    if found.what == "the top of the main subject":
        return SUBJECT_SOURCE_REASON.format(kind=mention.concept.kind)
    return NAMED_SOURCE_REASON.format(kind=mention.concept.kind, found=found.what)


def later_camera_moves(reading: Reading) -> dict[int, str]:
    """The camera moves named after the first (a clip makes one), by position, each with why it
    is not made; a repeat of the first move's kind ("zoom in, push closer") is not one of them."""
    moves = [m for m in reading.mentions if not m.negated and (
        m.concept.group == "camera" or (m.concept.group == "generic_camera" and m.direction is not None))]
    if not moves:
        return {}
    first, reason = moves[0], ONE_MOVE_REASON.format(first=moves[0].text)
    return {m.start: reason for m in moves[1:] if m.concept != first.concept}


def prompt_notes(reading: Reading, scene: SceneAnalysis | None, removed: Iterable[str] = ()) -> list[str]:
    """Notes for what a reading of the user's prompt asks and the engine will not render.

    `removed`: region and particle kinds the negative prompt takes out (not worth a note).
    """
    said: dict[str, list[str]] = {}  # reason -> the words it is about: one note per reason
    skip = set(removed)
    later = later_camera_moves(reading)
    for mention in reading.mentions:
        if mention.concept.kind in skip:
            continue
        reason = later.get(mention.start) or unrenderable(mention, scene)
        if reason is not None:
            said.setdefault(reason, []).append(mention.text)
        elif (moved := elsewhere(mention, scene)) is not None:
            said.setdefault(moved, []).append(mention.source[0] if mention.source else mention.text)
    if reading.not_understood:  # a described photo has several such clauses
        said.setdefault(NOT_UNDERSTOOD_REASON + _languages_read(), []).extend(reading.not_understood)
    return [note("', '".join(dict.fromkeys(words)), reason) for reason, words in said.items()]


def fails_strict(text: str) -> bool:
    """Whether a note is about something asked for and not rendered (a subject, a missing region,
    a pull-out, motion too faint), which `motion_strict` refuses; words not understood (often a
    description of the photo), a camera move made smaller and a plume drawn from another place
    than the one named do not fail a task."""
    return NOT_UNDERSTOOD_REASON not in text and "rendered at" not in text and _BY_NAME not in text


def note(words: str, reason: str) -> str:
    return f"'{words}': {reason}."


def _languages_read() -> str:
    return (" (read: English, Spanish, Portuguese, French, German, Italian, Russian, Chinese, Japanese, "
            "Korean)")
