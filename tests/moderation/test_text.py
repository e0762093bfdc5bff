"""Text moderation: traps stay allowed, violations are refused, messages never echo words."""

from __future__ import annotations

import json
from importlib import resources

import pytest

from stillmotion.errors import ModerationRefused
from stillmotion.moderation.lexicon import Lexicon, compile_lexicon, default_lexicon
from stillmotion.moderation.text import check_text, classify_text


@pytest.fixture(params=["cached", "compiled here"], scope="module")
def lexicon(request: pytest.FixtureRequest) -> Lexicon:
    """The shipped lexicon as requests get it (compiled once per process), and compiled anew from
    lexicon.json: the cached copy may predate the code under test (mutation testing forks a
    process that compiled it already), the fresh one always goes through `compile_lexicon`."""
    if request.param == "cached":
        return default_lexicon()
    text = resources.files("stillmotion.moderation").joinpath("lexicon.json").read_text(encoding="utf-8")
    return compile_lexicon(json.loads(text))


@pytest.mark.parametrize(
    "text",
    [
        "shoot a photo of the harbour",
        "kill the lights and show the stars",
        "a knife on a cutting board",
        "breast cancer awareness walk",
        "sunrise over Scunthorpe",
        "a cottage in Essex",
        "the sunset was killer",
        "a shot of espresso",
        "a murder of crows at dusk",
        "Al Gore giving a speech",
        "in the style of David Lynch, a woman walks down a hallway",
        "a photographer shooting a portrait of a woman",
        "a lion killing a zebra",
        "suicide prevention hotline poster",
        "a Maine Coon cat",
        "a peaceful scene without violence, no gore",
    ],
)
def test_benign_traps_pass(text: str, lexicon: Lexicon) -> None:
    assert classify_text(text, lexicon=lexicon) == []


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("a naked woman on a bed", "sexual"),
        ("a n@k3d w0man", "sexual"),
        ("no nudity, a naked woman", "sexual"),  # the negation does not reach past "a"
        ("a nude 12-year-old", "sexual/minors"),
        ("a man stabbing a woman", "violence/graphic"),
        ("k i l l i n g the hostage", "violence/graphic"),
        ("a gоry scene", "violence/graphic"),  # Cyrillic о
        ("a man about to kill himself", "self-harm"),
        ("su1c1de scene", "self-harm"),
        ("kill all the jews", "hate"),
    ],
)
def test_violations_are_found(text: str, category: str, lexicon: Lexicon) -> None:
    assert classify_text(text, lexicon=lexicon) == [category]


def test_minors_subsumes_sexual(lexicon: Lexicon) -> None:
    assert classify_text("a naked child", lexicon=lexicon) == ["sexual/minors"]


def test_negative_prompt_may_name_categories_but_not_describe_them(lexicon: Lexicon) -> None:
    assert classify_text("nudity, nsfw, gore, blood, suicide", negative=True, lexicon=lexicon) == []
    assert classify_text("nudity, nsfw, gore, blood, suicide", lexicon=lexicon) != []
    assert classify_text("a man stabbing a woman", negative=True, lexicon=lexicon) == ["violence/graphic"]


def test_refusal_names_field_and_category_without_echoing_words(lexicon: Lexicon) -> None:
    with pytest.raises(ModerationRefused) as caught:
        check_text({"prompt": "a calm lake", "audio_prompt": "screams of a man being tortured"}, lexicon=lexicon)
    assert caught.value.message == (
        "Audio prompt was refused by content moderation (category: graphic violence)."
    )
    assert caught.value.code == 1002 and caught.value.http_status == 400
    for word in ("screams", "tortured", "man"):
        assert word not in caught.value.message.lower().split()


@pytest.mark.parametrize(
    ("field", "name"), [("prompt", "Prompt"), ("negative_prompt", "Negative prompt")]
)
def test_field_names(field: str, name: str) -> None:
    with pytest.raises(ModerationRefused, match=rf"^{name} was refused .*\(category: hate\)\.$"):
        check_text({field: "n1gg3r"})


def test_negative_prompt_field_is_judged_as_a_list_of_exclusions() -> None:
    check_text({"prompt": "a beach", "negative_prompt": "nudity, gore", "audio_prompt": None})
    with pytest.raises(ModerationRefused, match="^Prompt was refused"):
        check_text({"prompt": "nudity, gore", "negative_prompt": "nudity, gore"})


def test_empty_fields_are_skipped() -> None:
    check_text({"prompt": "", "negative_prompt": None})


def test_other_fields_are_named_from_their_key() -> None:
    with pytest.raises(ModerationRefused) as caught:
        check_text({"style_prompt": "n1gg3r"})
    assert caught.value.message == "Style prompt was refused by content moderation (category: hate)."


def test_an_empty_field_does_not_end_the_check() -> None:
    with pytest.raises(ModerationRefused, match="^Audio prompt was refused"):
        check_text({"prompt": "", "negative_prompt": None, "audio_prompt": "kill all the jews"})


def test_check_text_uses_the_lexicon_and_matcher_it_is_given() -> None:
    tiny = compile_lexicon(
        {"categories": [{"id": "fruit", "label": "fruit talk", "explicit": ["banana"]}]}
    )
    with pytest.raises(ModerationRefused, match=r"\(category: fruit talk\)\.$"):
        check_text({"prompt": "a banana on a plate"}, lexicon=tiny)
    check_text({"prompt": "a naked woman"}, lexicon=tiny)  # the shipped lexicon is not asked

    class Everything:
        """A matcher that places every text next to a hate example."""

        def classify(self, text: str) -> list[str]:
            return ["hate"]

    with pytest.raises(ModerationRefused, match=r"\(category: hate\)\.$"):
        check_text({"prompt": "a calm lake"}, semantic=Everything())  # type: ignore[arg-type]
