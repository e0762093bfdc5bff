"""The lexicon notation, word boundaries and the shipped lexicon's integrity."""

from __future__ import annotations

import pytest

from stillmotion.moderation.lexicon import LexiconError, compile_lexicon, default_lexicon


def _tiny(**category: object) -> dict[str, object]:
    return {
        "groups": {"human": ["man", "woman"], "filler": ["a", "the", "young"]},
        "negators": ["no"],
        "negation_bridge": ["blood", "or"],
        "safe": ["kill the lights"],
        "categories": [{"id": "c", "label": "c", **category}],
    }


def _matches(lexicon_raw: dict[str, object], text: str, *, negative: bool = False) -> bool:
    lexicon = compile_lexicon(lexicon_raw)
    return lexicon.matches(lexicon.categories[0], lexicon.mask_safe(text), negative=negative)


def test_whole_words_only() -> None:
    raw = _tiny(explicit=["sex"])
    assert _matches(raw, "sex scene")
    assert not _matches(raw, "essex coast")  # the Scunthorpe problem
    assert not _matches(raw, "sextant")


def test_plural_and_stretched_letters() -> None:
    raw = _tiny(explicit=["corpse"])
    assert _matches(raw, "two corpses")
    assert _matches(raw, "a corrrpseee")


def test_prefix_words() -> None:
    raw = _tiny(explicit=["decapitat*"])
    assert _matches(raw, "decapitation")
    assert not _matches(raw, "capitate")


def test_groups_alternatives_and_repeats() -> None:
    raw = _tiny(explicit=["kill|stab {filler}* {human}"])
    assert _matches(raw, "stab the young man")
    assert not _matches(raw, "stab the young tree")
    assert not _matches(raw, "kill the lights")  # masked by the safe phrase
    assert not _matches(raw, "kill a a a a man")  # more fillers than MAX_REPEAT


def test_topic_rules_skip_negations_and_negative_prompts() -> None:
    raw = _tiny(topic=["gore"])
    assert _matches(raw, "lots of gore")
    assert not _matches(raw, "no blood or gore")
    assert _matches(raw, "no blood a gore scene")  # "a" is no bridge: a new phrase begins
    assert not _matches(raw, "gore", negative=True)


def test_together_rules_need_every_part() -> None:
    raw = _tiny(together=[{"all": ["{human}", "nude"]}])
    assert _matches(raw, "a nude young man")
    assert not _matches(raw, "a nude statue")


@pytest.mark.parametrize("pattern", ["{nogroup} x", "x {filler}?", "{filler}* x", "bad-token"])
def test_malformed_patterns_are_rejected(pattern: str) -> None:
    with pytest.raises(LexiconError):
        compile_lexicon(_tiny(explicit=[pattern]))


def test_shipped_lexicon_compiles_with_the_required_categories() -> None:
    ids = [category.id for category in default_lexicon().categories]
    assert ids == ["sexual/minors", "sexual", "violence/graphic", "self-harm", "hate"]


def test_only_letters_stretch() -> None:
    raw = _tiny(explicit=["k9 unit"])
    assert _matches(raw, "a k9 unit") and _matches(raw, "a kk9 unit")
    assert not _matches(raw, "a k99 unit")  # "99" is another number, not a stretched "9"


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("{nogroup} x", "unknown group {nogroup} in '{nogroup} x'"),
        ("x {filler}?", "first and last tokens must be required in 'x {filler}?'"),
        ("bad-token", "bad token 'bad-token' in 'bad-token'"),
        ("   ", "empty pattern"),
    ],
)
def test_lexicon_errors_say_what_is_wrong(pattern: str, message: str) -> None:
    with pytest.raises(LexiconError) as caught:
        compile_lexicon(_tiny(explicit=[pattern]))
    assert str(caught.value) == message


def test_topic_together_rules_skip_negations() -> None:
    plain = _tiny(together=[{"all": ["{human}", "nude"]}])
    topic = _tiny(together=[{"all": ["{human}", "nude"], "topic": True}])
    assert _matches(plain, "no nude man") and not _matches(topic, "no nude man")
    assert _matches(topic, "a nude man") and not _matches(topic, "a nude man", negative=True)


def test_safe_phrases_are_masked_globally_and_per_category() -> None:
    assert not _matches(_tiny(explicit=["kill {filler}* lights"]), "kill the lights")
    raw = _tiny(explicit=["suicide"], safe=["suicide bomber"])
    assert _matches(raw, "a suicide note") and not _matches(raw, "a suicide bomber")


def test_categories_keep_their_id_and_label() -> None:
    category = compile_lexicon(_tiny(explicit=["x"])).categories[0]
    assert (category.id, category.label) == ("c", "c")
    lexicon = compile_lexicon({"categories": [{"id": "fruit", "label": "fruit talk", "explicit": ["banana"]}]})
    assert [(c.id, c.label) for c in lexicon.categories] == [("fruit", "fruit talk")]
    assert lexicon.mask_safe("a banana") == "a banana"  # no safe phrases: nothing is masked


def test_group_entries_may_be_raw_expressions() -> None:
    raw = _tiny(explicit=["{age} nude"])
    raw["groups"] = {**raw["groups"], "age": ["re:\\d+ year old", "toddler"]}  # type: ignore[dict-item]
    assert _matches(raw, "a 12 year old nude") and _matches(raw, "a toddler nude")
    assert not _matches(raw, "a re nude") and not _matches(raw, "an old nude")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"groups": [], "categories": []}, "'groups' must be an object"),
        ({"categories": {}}, "'categories' must be a list"),
        ({"categories": ["c"]}, "'categories' entries must be objects"),
        ({"categories": [{"id": "c", "label": "c", "explicit": [1]}]}, "'explicit' must be a list of strings"),
        ({"categories": [{"id": "c", "label": "c", "together": ["x"]}]}, "'together' entries must be objects"),
    ],
)
def test_malformed_lexicon_files_are_named(raw: dict[str, object], message: str) -> None:
    with pytest.raises(LexiconError) as caught:
        compile_lexicon(raw)
    assert str(caught.value) == message


def test_an_optional_token_may_be_left_out() -> None:
    raw = _tiny(explicit=["stab {filler}? {human}"])
    assert _matches(raw, "stab man") and _matches(raw, "stab the man")
    assert not _matches(raw, "stab the young man")  # "?" is at most one, unlike "*"


def test_groups_in_category_safe_phrases_and_not_inside_groups() -> None:
    raw = _tiny(explicit=["suicide"], safe=["prevent {filler}* suicide"])
    assert _matches(raw, "a suicide scene") and not _matches(raw, "prevent the suicide")
    nested = _tiny(explicit=["x"])
    nested["groups"] = {"inner": ["{human}"]}
    with pytest.raises(LexiconError) as caught:
        compile_lexicon(nested)
    assert str(caught.value) == "unknown group {human} in '{human}'"  # groups cannot nest


def test_a_negative_prompt_skips_topic_rules_only() -> None:
    raw = _tiny(topic=["gore"], together=[{"all": ["{human}", "nude"]}])
    assert _matches(raw, "a nude man", negative=True)  # the rule after the topic rule still runs
    assert not _matches(raw, "gore", negative=True)
