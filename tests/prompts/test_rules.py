"""The rule-based enhancer: keeps the user's words, adds what the photo shows, respects exclusions.

Outputs are checked by reading them back with the motion engine's own prompt
reader, the consumer of the enhanced prompt: what it finds is what will move.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stillmotion.engines.motion.prompt_match import read_prompt
from stillmotion.prompts.reading import excluded_by, is_excluded, read
from stillmotion.prompts.rules import enhance_with_rules
from stillmotion.prompts.scene_summary import Light, SceneSummary, summarize_scene


def _scene(
    elements: set[str], light: Light = "day", sky: float = 0.0, faces: int = 0
) -> SceneSummary:
    return SceneSummary(frozenset(elements), light, sky, 0.0, 0.0, faces, aspect=1.6)


# Written by hand, so these tests pin the enhancer's rules and not the detectors
# (test_scene_summary.py covers those, test_enhance.py the two together).
SUMMARIES = {
    "meadow": _scene({"sky", "foliage"}, sky=0.4),
    "lake": _scene({"sky", "water", "foliage"}, sky=0.33),
    "night": _scene({"lights"}, "night"),
    "golden": _scene({"sky"}, "golden_hour", sky=0.45),
    "campfire": _scene({"fire"}, "night"),
    "fog": _scene({"sky", "mist"}, "overcast", sky=0.9),
    "portrait": _scene({"people"}, faces=1),
    "wall": _scene(set()),
}


@pytest.fixture(scope="module")
def summaries() -> dict[str, SceneSummary]:
    return SUMMARIES


def added_part(prompt: str, enhanced: str) -> str:
    """What the enhancer appended after the user's words."""
    assert enhanced.startswith(prompt)
    return enhanced[len(prompt) :]


def moving_keys(text: str) -> set[str]:
    return {k for k in read(text).asks if k.startswith(("region:", "particle:"))}


@pytest.mark.parametrize(
    ("scene", "expected"),
    [
        ("meadow", {"region:sky", "region:foliage"}),
        ("lake", {"region:sky", "region:water", "region:foliage"}),
        ("night", {"region:light"}),
        ("golden", {"region:sky", "region:light"}),
        ("campfire", {"region:fire"}),
        ("fog", {"region:sky", "region:fog"}),
        ("wall", set()),
    ],
)
def test_empty_prompt_animates_what_the_photo_shows(
    summaries: dict[str, SceneSummary], scene: str, expected: set[str]
) -> None:
    text = enhance_with_rules("", "", summaries[scene], 5)
    assert moving_keys(text) == expected
    assert any(k.startswith("camera:") for k in read(text).asks), text


def test_light_and_time_of_day_are_described(summaries: dict[str, SceneSummary]) -> None:
    assert enhance_with_rules("", "", summaries["night"], 4).startswith("A scene at night.")
    golden = enhance_with_rules("", "", summaries["golden"], 4)
    assert golden.startswith("A landscape at golden hour.")
    assert "warm golden light glows" in golden
    assert "golden" not in enhance_with_rules("", "", summaries["meadow"], 4)


def test_portrait_gets_a_push_in_not_a_pan(summaries: dict[str, SceneSummary]) -> None:
    text = enhance_with_rules("", "", summaries["portrait"], 4)
    assert text == "A portrait. Slow push in."


def test_wide_sky_gets_a_pan(summaries: dict[str, SceneSummary]) -> None:
    assert "camera:pan" in read(enhance_with_rules("", "", summaries["meadow"], 4)).asks


@pytest.mark.parametrize(
    "prompt",
    ["a quiet lake at dawn", "  my   grandmother's garden ", "Ein ruhiger See", "x" * 500],
)
def test_user_words_come_first_unchanged(summaries: dict[str, SceneSummary], prompt: str) -> None:
    text = enhance_with_rules(prompt, "", summaries["lake"], 4)
    normalised = " ".join(prompt.split())
    assert text.startswith(normalised + ". ")
    assert len(text) > len(normalised) + 2


@pytest.mark.parametrize(
    "negative",
    [
        "camera movement",
        "zoom",
        "pan, zoom",
        "clouds",
        "sky",
        "water, ripples",
        "trees",
        "lights, glow",
        "fire",
        "mist, fog",
        "static",
        "camera movement, static camera",
    ],
)
@pytest.mark.parametrize(
    "scene", ["meadow", "lake", "night", "golden", "campfire", "fog", "portrait"]
)
def test_never_adds_what_the_negative_prompt_names(
    summaries: dict[str, SceneSummary], scene: str, negative: str
) -> None:
    prompt = "a photo"
    text = enhance_with_rules(prompt, negative, summaries[scene], 5)
    excluded = excluded_by(read(prompt), read(negative))
    added = read(added_part(prompt, text)).asks
    assert not [k for k in added if is_excluded(k, excluded)], text


def test_no_camera_movement_gives_a_static_camera(summaries: dict[str, SceneSummary]) -> None:
    text = enhance_with_rules("", "camera movement", summaries["lake"], 4)
    assert text.startswith("A landscape. Static camera, ")
    # The user's own "no camera movement" means the same.
    text = enhance_with_rules("no camera movement", "", summaries["lake"], 4)
    assert text.startswith("no camera movement. Static camera, ")


def test_unwanted_push_in_falls_back_to_another_move(summaries: dict[str, SceneSummary]) -> None:
    text = enhance_with_rules("", "zoom", summaries["portrait"], 4)
    assert "push in" not in text
    assert "camera:pan" in read(text).asks


def test_everything_excluded_leaves_the_prompt_alone(summaries: dict[str, SceneSummary]) -> None:
    negative = "camera movement, static camera, clouds, water, trees"
    assert enhance_with_rules("a lake", negative, summaries["lake"], 6) == "a lake"


def test_prompt_negations_are_respected(summaries: dict[str, SceneSummary]) -> None:
    prompt = "a lake without clouds"
    added = read(added_part(prompt, enhance_with_rules(prompt, "", summaries["lake"], 6))).asks
    assert "region:sky" not in added
    assert "region:foliage" in added


def test_what_the_user_named_is_not_repeated(summaries: dict[str, SceneSummary]) -> None:
    prompt = "clouds racing fast, pan left"
    text = enhance_with_rules(prompt, "", summaries["lake"], 6)
    added = read(added_part(prompt, text)).asks
    assert "region:sky" not in added
    assert not [k for k in added if k.startswith("camera:")]
    assert "region:water" in added


def _added_motion(prompt: str, summary: SceneSummary, duration: int) -> tuple[int, float]:
    """(number of moving things added, their mean speed x strength as the engine reads them)."""
    added = added_part(prompt, enhance_with_rules(prompt, "", summary, duration))
    mentions = [m for m in read_prompt(added).mentions if not m.negated]
    things = {(m.concept.group, m.concept.kind) for m in mentions if m.concept.group != "camera"}
    energy = float(np.mean([m.speed * m.strength for m in mentions]))
    return len(things), energy


@pytest.mark.parametrize("scene", ["meadow", "lake", "golden", "fog", "night", "campfire"])
def test_shorter_clips_get_subtler_motion(summaries: dict[str, SceneSummary], scene: str) -> None:
    count_1, energy_1 = _added_motion("", summaries[scene], 1)
    count_4, energy_4 = _added_motion("", summaries[scene], 4)
    count_6, energy_6 = _added_motion("", summaries[scene], 6)
    assert count_1 <= count_4 <= count_6
    assert energy_1 < energy_4 <= energy_6


def test_short_clips_carry_fewer_moving_things(summaries: dict[str, SceneSummary]) -> None:
    assert len(moving_keys(enhance_with_rules("", "", summaries["lake"], 1))) == 2
    assert len(moving_keys(enhance_with_rules("", "", summaries["lake"], 6))) == 3
    # The user's own moving things count against the budget.
    assert moving_keys(
        added_part("waves", enhance_with_rules("waves", "", summaries["lake"], 1))
    ) == {"region:sky"}


def test_tempo_words_shift_the_wording(summaries: dict[str, SceneSummary]) -> None:
    lake = summaries["lake"]
    assert "very slow" in enhance_with_rules("a calm evening", "", lake, 4)
    assert "very slow" not in enhance_with_rules("a dramatic stormy evening", "", lake, 1)
    assert "very slow" in enhance_with_rules("", "fast, jerky", lake, 6)
    assert "very slow" not in enhance_with_rules("", "slow motion", lake, 1)


def test_an_open_sentence_is_carried_on(summaries: dict[str, SceneSummary]) -> None:
    text = enhance_with_rules("waves on the shore,", "", summaries["lake"], 4)
    assert text.startswith("waves on the shore, slow pan right, ")


def test_deterministic(scenes: dict[str, np.ndarray]) -> None:
    first = enhance_with_rules("a lake", "rain", summarize_scene(scenes["lake"]), 3)
    again = enhance_with_rules("a lake", "rain", summarize_scene(scenes["lake"].copy()), 3)
    assert first == again


VOCABULARY = [
    "camera movement",
    "zoom",
    "pan",
    "tilt",
    "static camera",
    "clouds",
    "sky",
    "water",
    "waves",
    "lake",
    "trees",
    "leaves",
    "grass",
    "fire",
    "flames",
    "mist",
    "fog",
    "smoke",
    "lights",
    "glow",
    "flicker",
    "rain",
    "snow",
    "petals",
    "dust",
    "fast",
    "slow",
    "people",
]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    scene=st.sampled_from(sorted(SUMMARIES)),
    prompt_words=st.lists(st.sampled_from(VOCABULARY), max_size=3),
    negated=st.booleans(),
    negative_words=st.lists(st.sampled_from(VOCABULARY), max_size=4),
    duration=st.integers(1, 6),
)
def test_exclusions_hold_for_any_mix(
    scene: str, prompt_words: list[str], negated: bool, negative_words: list[str], duration: int
) -> None:
    prompt = ("no " if negated and prompt_words else "") + ", ".join(prompt_words)
    negative = ", ".join(negative_words)
    text = enhance_with_rules(prompt, negative, SUMMARIES[scene], duration)
    assert text.startswith(prompt)
    excluded = excluded_by(read(prompt), read(negative))
    assert not [k for k in read(added_part(prompt, text)).asks if is_excluded(k, excluded)], text
    assert text == enhance_with_rules(prompt, negative, SUMMARIES[scene], duration)
