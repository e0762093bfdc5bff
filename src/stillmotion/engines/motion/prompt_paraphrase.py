"""The paraphrase tie-breaker: a small static word-embedding model, asked only after the lexicon.

WordLlama (MIT) ships its 16 MB weights and tokenizer inside its wheel, needs
no torch and embeds a clause in well under a millisecond, so it can run on
every prompt offline. It only sees clauses in which the lexicon found nothing
("the camera creeps closer"); it answers with the lexicon concept whose
prototype phrases are closest, or None when the closest one is not close
enough or not clearly ahead of the runner-up. The thresholds and the measured
effect are in docs/motion-planning.md.

The package is optional: without it the planner is the lexicon alone.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import numpy as np

from stillmotion.engines.motion.lexicon import Concept

MIN_SIMILARITY = 0.45
"""Cosine similarity below which a clause is taken to name no motion at all."""
MIN_MARGIN = 0.05
"""How far the best concept must lead the best other concept; closer calls are ambiguous."""

FILLER_WORDS = frozenset({
    "the", "a", "an", "of", "to", "in", "on", "at", "over", "is", "are", "it", "its", "this", "that",
    "with", "by", "from", "into", "across", "toward", "towards", "camera", "shot", "view", "we",
    "our", "you",
})
"""Dropped before embedding: WordLlama averages word vectors, and words every camera
prototype shares ("the camera") otherwise outweigh the one word that tells moves apart."""

PROTOTYPES: dict[Concept, tuple[str, ...]] = {
    Concept("camera", "push_in"): (
        "the camera zooms in", "the camera moves closer to the subject", "push in toward",
        "dolly forward into the scene",
    ),
    Concept("camera", "pull_out"): (
        "the camera zooms out", "the camera pulls back away from the subject",
        "dolly backward revealing more of the scene",
    ),
    Concept("camera", "pan"): (
        "the camera pans horizontally", "the camera turns sideways to look across the scene",
    ),
    Concept("camera", "tilt"): (
        "the camera tilts up", "the camera tilts down", "the camera looks upward",
    ),
    Concept("camera", "truck"): ("the camera moves sideways", "tracking shot moving laterally"),
    Concept("camera", "pedestal"): ("the camera rises vertically", "crane shot moving up"),
    Concept("camera", "orbit"): ("the camera orbits around the subject", "circling around"),
    Concept("camera", "static"): ("the camera stays still", "locked off static tripod shot"),
    Concept("region", "sky"): ("clouds drift across the sky", "the sky moves", "cloudy sky"),
    Concept("region", "water"): (
        "water flows", "waves on the sea", "the lake ripples", "the river runs",
    ),
    Concept("region", "foliage"): (
        "trees sway in the wind", "grass and leaves move in the breeze", "branches swaying",
    ),
    Concept("region", "fire"): ("fire burns", "flames flicker", "a candle flame"),
    Concept("region", "smoke"): ("smoke rises", "a plume of smoke from the chimney"),
    Concept("region", "steam"): ("steam rises", "steam rising from a hot drink"),
    Concept("region", "fog"): ("fog and mist drift", "morning mist over the ground"),
    Concept("region", "heat"): ("heat shimmer", "hot air ripples above the road"),
    Concept("region", "light"): ("lights flicker", "a lamp glows", "the light pulses"),
    Concept("particle", "rain"): ("rain falls", "it is raining", "raindrops"),
    Concept("particle", "snow"): ("snow falls", "snowflakes", "it is snowing"),
    Concept("particle", "petals"): ("petals fall", "cherry blossom petals in the air"),
    Concept("particle", "leaves"): ("leaves fall from the trees", "falling autumn leaves"),
    Concept("particle", "fireflies"): ("fireflies glow", "glowing insects flying"),
    Concept("particle", "dust"): ("dust floats in the air", "dust particles"),
    Concept("particle", "sparkles"): ("sparkles", "glittering sparkles in the air"),
}


@functools.cache
def _model() -> Any | None:
    """The WordLlama model from its own wheel, or None if it is not installed.

    `cache_dir` points at the installed package because the released loader
    otherwise looks for a `tokenizer/` folder while the wheel ships
    `tokenizers/`; `disable_download` makes sure nothing is ever fetched.
    """
    try:
        import wordllama
    except ImportError:
        return None
    return wordllama.WordLlama.load(
        cache_dir=Path(wordllama.__file__).parent, disable_download=True
    )


def release_model() -> None:
    """Drop the model: it holds ~40 MB, given back by an idle worker (pipeline/run.py); the next
    reading loads it again (~0.1 s). The prototypes' embeddings, kilobytes, stay."""
    _model.cache_clear()


@functools.cache
def _prototype_table() -> tuple[tuple[Concept, ...], np.ndarray] | None:
    model = _model()
    if model is None:
        return None
    owners = tuple(c for c, phrases in PROTOTYPES.items() for _ in phrases)
    phrases = [_content(p) for ps in PROTOTYPES.values() for p in ps]
    return owners, _unit(np.asarray(model.embed(phrases), dtype=np.float32))


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


def _content(text: str) -> str:
    words = [w for w in text.lower().split() if w not in FILLER_WORDS]
    return " ".join(words) if words else text


def available() -> bool:
    return _model() is not None


def closest_concept(
    clause: str, min_similarity: float = MIN_SIMILARITY, min_margin: float = MIN_MARGIN
) -> tuple[Concept, float] | None:
    """The concept a clause paraphrases, with its similarity; None if unsure or no model."""
    table = _prototype_table()
    model = _model()
    if table is None or model is None:
        return None
    owners, prototypes = table
    query = _unit(np.asarray(model.embed([_content(clause)]), dtype=np.float32))[0]
    scores = prototypes @ query
    best: dict[Concept, float] = {}
    for concept, score in zip(owners, scores.tolist(), strict=True):
        best[concept] = max(score, best.get(concept, -1.0))
    ranked = sorted(best.items(), key=lambda item: -item[1])
    (top, top_score), (_, runner_up) = ranked[0], ranked[1]
    if top_score < min_similarity or top_score - runner_up < min_margin:
        return None
    return top, top_score
