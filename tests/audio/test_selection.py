"""Which layers a task gets: the audio prompt first, else the prompt and the motion plan."""

from __future__ import annotations

import numpy as np

from stillmotion.audio import AudioCues, describe_audio


def names(prompt: str, audio_prompt: str | None = None, cues: AudioCues | None = None) -> list[str]:
    return [choice.name for choice in describe_audio(prompt, audio_prompt, cues)]


def test_the_audio_prompt_decides_when_given() -> None:
    choices = describe_audio("a calm forest", "waves crash on the shore, gulls", None)
    assert [c.name for c in choices] == ["waves", "birds"]
    assert {c.source for c in choices} == {"audio_prompt"}
    assert choices[1].variant == "gull"


def test_the_prompt_and_the_plan_decide_when_the_audio_prompt_is_empty() -> None:
    cues = AudioCues(fps=24, num_frames=24, elements=frozenset({"rain", "foliage"}))
    choices = {c.name: c.source for c in describe_audio("a campfire at night", "", cues)}
    assert choices == {"fire": "prompt", "rain": "motion plan", "forest": "motion plan"}


def test_water_in_the_plan_is_read_from_the_prompt() -> None:
    water = AudioCues(fps=24, num_frames=24, elements=frozenset({"water"}))
    assert names("a waterfall in the jungle, slow pan", None, water) == ["waterfall", "forest"]
    assert names("mountains and a lake", None, water) == ["lake"]
    assert names("a photo", None, water) == ["lake"]


def test_falls_is_a_waterfall_only_as_a_noun() -> None:
    assert names("rain falls on the city") == ["rain", "city"]
    assert "waterfall" not in names("Snow falls softly. Leaves fall in the forest")
    assert "waterfall" in names("Niagara Falls at dusk")
    assert "waterfall" in names("the falls roar below the bridge")


def test_negation_removes_a_layer() -> None:
    assert names("", "calm sea, no wind") == ["waves"]
    assert names("stormy night without rain", None) == ["thunder", "wind"]


def test_unknown_words_fall_back_and_sparse_layers_get_a_bed() -> None:
    assert names("", "something unusual") == ["room"]
    assert names("", "birdsong") == ["wind", "birds"]
    assert names("", "a crowd chatting in a bar") == ["crowd"]


def test_intensity_follows_light_and_heavy_words() -> None:
    assert (
        describe_audio("", "light drizzle", None)[0].intensity < describe_audio("", "heavy downpour", None)[0].intensity
    )


def test_describe_says_what_follows_the_picture() -> None:
    cues = AudioCues(fps=24, num_frames=24, curves={"rain": np.linspace(0.0, 1.0, 24), "fire": np.zeros(24)})
    [rain] = describe_audio("", "rain", cues)
    assert rain.synced and rain.drive == "rain"
    assert str(rain) == "rain (from audio_prompt, +0 dB, follows the picture's rain curve)"
    [fire] = describe_audio("", "campfire", cues)  # an all-zero curve: the picture does not move fire
    assert not fire.synced and str(fire) == "fire (from audio_prompt, +0 dB)"
