"""The semantic layer's decision rule, with a toy embedder.

The real embedder (all-MiniLM-L6-v2) is an optional extra that needs torch, so it is measured by
bench/moderation.py rather than tested here.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from stillmotion.moderation.semantic import SemanticMatcher, load_exemplars
from stillmotion.moderation.text import classify_text

_VOCABULARY = ("blade", "arm", "own", "knife", "carrots", "board", "lake", "calm")


def _bag_of_words(texts: Sequence[str]) -> np.ndarray:
    """A toy embedder: normalised counts of a few words, so similarities are easy to reason about."""
    counts = np.array(
        [[text.split().count(word) for word in _VOCABULARY] for text in texts], dtype=np.float32
    )
    return counts / np.maximum(np.linalg.norm(counts, axis=1, keepdims=True), 1e-6)


def _toy_matcher(margin: float) -> SemanticMatcher:
    return SemanticMatcher(
        _bag_of_words,
        {"self-harm": ["blade on own arm"]},
        ["knife on board with carrots", "calm lake"],
        margin,
    )


def test_nearest_violation_must_beat_nearest_benign_by_the_margin() -> None:
    matcher = _toy_matcher(margin=0.3)
    assert matcher.classify("a blade against her own arm") == ["self-harm"]
    # Close to the violation (blade) and to the kitchen example (board): the margin protects it.
    assert matcher.classify("a blade on a board") == []
    assert matcher.classify("a calm lake") == []
    assert _toy_matcher(margin=1.01).classify("blade on own arm") == []  # cosine is at most 1


def test_lexicon_first_and_never_for_negative_prompts() -> None:
    matcher = _toy_matcher(margin=0.3)
    text = "a blade against her own arm"
    assert classify_text(text) == []
    assert classify_text(text, semantic=matcher) == ["self-harm"]
    assert classify_text(text, negative=True, semantic=matcher) == []
    assert classify_text("a naked woman", semantic=matcher) == ["sexual"]  # the lexicon answers


def test_exemplars_cover_every_category() -> None:
    violations, benign = load_exemplars()
    assert set(violations) == {"sexual/minors", "sexual", "violence/graphic", "self-harm", "hate"}
    assert all(len(examples) >= 10 for examples in violations.values())
    assert len(benign) >= 50


def test_a_margin_met_exactly_is_enough() -> None:
    query = _bag_of_words(["blade"])[0]
    nearest_violation = float((_bag_of_words(["blade on own arm"]) @ query).max())
    nearest_benign = float((_bag_of_words(["knife on board with carrots", "calm lake"]) @ query).max())
    assert _toy_matcher(margin=nearest_violation - nearest_benign).classify("blade") == ["self-harm"]
