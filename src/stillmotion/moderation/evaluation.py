"""Score text moderation against a labelled prompt set (shared by bench/moderation.py and tests).

A labelled set is JSON Lines, one object per prompt::

    {"text": "...", "labels": ["violence/graphic"], "field": "prompt"}

Empty `labels` marks a benign prompt. `field` is the request field the text would arrive in
("negative_prompt" is judged as a negative prompt).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stillmotion.moderation.semantic import SemanticMatcher
from stillmotion.moderation.text import NEGATIVE_PROMPT_FIELD, classify_text


@dataclass(frozen=True)
class LabelledPrompt:
    text: str
    labels: frozenset[str]
    field: str = "prompt"


@dataclass
class CategoryScore:
    true_positives: int = 0
    false_positives: int = 0
    false_negatives: int = 0

    @property
    def precision(self) -> float:
        flagged = self.true_positives + self.false_positives
        return self.true_positives / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        expected = self.true_positives + self.false_negatives
        return self.true_positives / expected if expected else 1.0


@dataclass
class TextEvaluation:
    categories: dict[str, CategoryScore] = field(default_factory=dict)
    violations: int = 0
    violations_refused: int = 0
    benign: int = 0
    benign_refused: int = 0
    misses: list[LabelledPrompt] = field(default_factory=list)
    false_alarms: list[tuple[LabelledPrompt, list[str]]] = field(default_factory=list)

    @property
    def refusal_recall(self) -> float:
        """Share of violations refused at all, whatever category was named."""
        return self.violations_refused / self.violations if self.violations else 1.0

    @property
    def false_positive_rate(self) -> float:
        return self.benign_refused / self.benign if self.benign else 0.0


Classifier = Callable[[LabelledPrompt], list[str]]


def text_classifier(semantic: SemanticMatcher | None = None) -> Classifier:
    """Text moderation as `check_text` applies it to each prompt's field."""

    def classify(prompt: LabelledPrompt) -> list[str]:
        negative = prompt.field == NEGATIVE_PROMPT_FIELD
        return classify_text(prompt.text, negative=negative, semantic=semantic)

    return classify


def load_labelled(path: Path) -> list[LabelledPrompt]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [
        LabelledPrompt(row["text"], frozenset(row["labels"]), row.get("field", "prompt"))
        for row in rows
    ]


def evaluate(
    prompts: Iterable[LabelledPrompt],
    categories: Sequence[str],
    classify: Classifier | None = None,
) -> TextEvaluation:
    classify = classify or text_classifier()
    result = TextEvaluation(categories={c: CategoryScore() for c in categories})
    for prompt in prompts:
        found = classify(prompt)
        for category, score in result.categories.items():
            expected, got = category in prompt.labels, category in found
            score.true_positives += expected and got
            score.false_positives += got and not expected
            score.false_negatives += expected and not got
        if prompt.labels:
            result.violations += 1
            result.violations_refused += bool(found)
            if not found:
                result.misses.append(prompt)
        else:
            result.benign += 1
            result.benign_refused += bool(found)
            if found:
                result.false_alarms.append((prompt, found))
    return result
