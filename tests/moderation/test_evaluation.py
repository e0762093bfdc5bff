"""The scoring of a labelled set (bench/moderation.py and the goals test rely on its counts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from stillmotion.moderation.evaluation import LabelledPrompt, evaluate, load_labelled, text_classifier
from tests.moderation.test_semantic import _toy_matcher

PROMPTS = [
    LabelledPrompt("a", frozenset({"hate"})),  # found as hate: a true positive
    LabelledPrompt("b", frozenset({"hate"})),  # found as sexual: refused, wrong category
    LabelledPrompt("c", frozenset({"sexual"})),  # missed
    LabelledPrompt("d", frozenset()),  # benign, refused as hate: a false alarm
    LabelledPrompt("e", frozenset()),  # benign, passed
    LabelledPrompt("f", frozenset()),  # benign, passed
]
VERDICTS = {"a": ["hate"], "b": ["sexual"], "c": [], "d": ["hate"], "e": [], "f": []}


def test_counts_per_category_and_overall() -> None:
    result = evaluate(PROMPTS, ["hate", "sexual"], lambda prompt: VERDICTS[prompt.text])
    hate, sexual = result.categories["hate"], result.categories["sexual"]
    assert (hate.true_positives, hate.false_positives, hate.false_negatives) == (1, 1, 1)
    assert (sexual.true_positives, sexual.false_positives, sexual.false_negatives) == (0, 1, 1)
    assert (hate.precision, hate.recall) == (0.5, 0.5)
    assert (sexual.precision, sexual.recall) == (0.0, 0.0)
    assert (result.violations, result.violations_refused) == (3, 2)
    assert (result.benign, result.benign_refused) == (3, 1)
    assert result.refusal_recall == pytest.approx(2 / 3)
    assert result.false_positive_rate == pytest.approx(1 / 3)
    assert result.misses == [PROMPTS[2]]
    assert result.false_alarms == [(PROMPTS[3], ["hate"])]


def test_empty_scores_are_perfect() -> None:
    result = evaluate([], ["hate"], lambda prompt: [])
    assert (result.refusal_recall, result.false_positive_rate) == (1.0, 0.0)
    assert (result.categories["hate"].precision, result.categories["hate"].recall) == (1.0, 1.0)


def test_load_labelled_reads_fields_with_the_prompt_as_default(tmp_path: Path) -> None:
    path = tmp_path / "set.jsonl"
    path.write_text(
        '{"text": "café gore", "labels": ["violence/graphic"], "field": "negative_prompt"}\n'
        "\n"
        '{"text": "a lake", "labels": []}\n',
        encoding="utf-8",
    )
    assert load_labelled(path) == [
        LabelledPrompt("café gore", frozenset({"violence/graphic"}), "negative_prompt"),
        LabelledPrompt("a lake", frozenset(), "prompt"),
    ]


def test_the_text_classifier_judges_each_field_and_asks_the_matcher() -> None:
    plain = text_classifier()
    assert plain(LabelledPrompt("gore", frozenset(), "prompt")) == ["violence/graphic"]
    assert plain(LabelledPrompt("gore", frozenset(), "negative_prompt")) == []
    semantic = text_classifier(_toy_matcher(margin=0.3))
    assert semantic(LabelledPrompt("a blade against her own arm", frozenset())) == ["self-harm"]
    assert plain(LabelledPrompt("a blade against her own arm", frozenset())) == []
