"""The labelled prompt set meets the goals: recall >= 0.95, benign false positives <= 2 %."""

from __future__ import annotations

from pathlib import Path

from stillmotion.moderation.evaluation import evaluate, load_labelled
from stillmotion.moderation.lexicon import default_lexicon

PROMPTS = Path(__file__).with_name("prompts.jsonl")
MIN_PROMPTS = 300
RECALL_GOAL = 0.95
FALSE_POSITIVE_GOAL = 0.02


def test_labelled_set_meets_the_goals() -> None:
    prompts = load_labelled(PROMPTS)
    categories = [category.id for category in default_lexicon().categories]
    assert len(prompts) >= MIN_PROMPTS
    assert {label for p in prompts for label in p.labels} == set(categories)

    result = evaluate(prompts, categories)

    assert result.refusal_recall >= RECALL_GOAL, [p.text for p in result.misses]
    for category, score in result.categories.items():
        assert score.recall >= RECALL_GOAL, category
    assert result.false_positive_rate <= FALSE_POSITIVE_GOAL, result.false_alarms
