"""Measure moderation and print the Markdown tables recorded in docs/moderation.md.

    .venv/bin/python bench/moderation.py            # text + images
    .venv/bin/python bench/moderation.py --no-semantic --no-images

Text: precision and recall per category on tests/moderation/prompts.jsonl (violations and benign
traps) and recall on tests/moderation/paraphrases.jsonl, paraphrases written to avoid the lexicon's
words and never used to tune the lexicon. Then the semantic layer (`SemanticMatcher`, examples
from src/stillmotion/moderation/exemplars.json, which shares no prompt with any set) on top of the
lexicon, with each installed embedder (all-MiniLM-L6-v2, the optional extra; `wordllama`, for
comparison) over a sweep of margins, also on tests/moderation/paraphrases_second.jsonl, written after the examples
and margins were frozen.

Images: open_nsfw scores on images that can be had offline: generated scenes and flat colours,
and photographs shipped in scikit-image's wheel (if installed). These are all benign, so they
measure false positives only; nothing here measures recall on explicit images.
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from stillmotion.engines.motion.prompt_paraphrase import _model as wordllama_model
from stillmotion.moderation.evaluation import (
    LabelledPrompt,
    TextEvaluation,
    evaluate,
    load_labelled,
    text_classifier,
)
from stillmotion.moderation.lexicon import default_lexicon
from stillmotion.moderation.semantic import (
    MARGIN,
    Embedder,
    SemanticMatcher,
    load_exemplars,
    minilm_embedder,
)

ROOT = Path(__file__).resolve().parents[1]
PROMPTS = ROOT / "tests" / "moderation" / "prompts.jsonl"
PARAPHRASES = ROOT / "tests" / "moderation" / "paraphrases.jsonl"
# Written after exemplars.json and the margin were frozen: the untuned figure.
PARAPHRASES_SECOND = ROOT / "tests" / "moderation" / "paraphrases_second.jsonl"
MARGINS = (0.10, 0.15, 0.20, 0.25)
IMAGE_THRESHOLDS = (0.5, 0.7, 0.8, 0.9)
IMAGE_SIDE = 512


def _table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def text_report(prompts: list[LabelledPrompt], paraphrases: list[LabelledPrompt]) -> None:
    categories = [category.id for category in default_lexicon().categories]
    start = time.perf_counter()
    result = evaluate(prompts, categories)
    per_prompt_us = (time.perf_counter() - start) / len(prompts) * 1e6
    held_out = evaluate(paraphrases, categories)

    print(
        f"## Text: lexicon ({len(prompts)} prompts: {result.violations} violations, "
        f"{result.benign} benign)\n"
    )
    rows = [
        [
            c,
            s.true_positives + s.false_negatives,
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
            f"{held_out.categories[c].recall:.2f}",
        ]
        for c, s in result.categories.items()
    ]
    print(_table(["category", "violations", "precision", "recall", "paraphrase recall"], rows))
    print(
        f"\nrefused violations: {result.violations_refused}/{result.violations} "
        f"= {result.refusal_recall:.3f}; benign refused: {result.benign_refused}/"
        f"{result.benign} = {result.false_positive_rate:.2%}; "
        f"paraphrases refused: {held_out.violations_refused}/{held_out.violations}; "
        f"{per_prompt_us:.0f} us per prompt"
    )
    for miss in result.misses:
        print(f"  missed: {miss.text!r}")
    for prompt, found in result.false_alarms:
        print(f"  false alarm {found}: {prompt.text!r}")


def _memoised(embed: Embedder) -> Embedder:
    """Embed each distinct text once, so that sweeping the margin costs no model calls."""
    cache: dict[str, np.ndarray] = {}

    def lookup(texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if t not in cache]
        if missing:
            cache.update(zip(missing, embed(missing), strict=True))
        return np.stack([cache[t] for t in texts])

    return lookup


def _wordllama_embedder() -> Embedder | None:
    """WordLlama's static embeddings (no torch), measured for comparison; not shipped.

    Loaded by the motion engine's own loader, which reads the weights from the wheel offline.
    """
    model = wordllama_model()
    if model is None:
        return None
    return lambda texts: np.asarray(model.embed(list(texts), norm=True), dtype=np.float32)


def semantic_report(prompts: list[LabelledPrompt], held_out: list[list[LabelledPrompt]]) -> None:
    categories = [category.id for category in default_lexicon().categories]
    violations, benign = load_exemplars()
    print("\n## Text: lexicon + semantic layer (examples from exemplars.json)\n")
    rows: list[list[object]] = [
        [
            "lexicon only",
            "-",
            *_summary(evaluate(prompts, categories), [evaluate(h, categories) for h in held_out]),
        ]
    ]
    for name, load in (
        (f"all-MiniLM-L6-v2 (shipped, margin {MARGIN})", minilm_embedder),
        ("wordllama 0.4 (not shipped)", _wordllama_embedder),
    ):
        loaded = load()
        if loaded is None:
            print(f"{name}: not installed, skipped")
            continue
        embed = _memoised(loaded)
        for margin in MARGINS:
            matcher = SemanticMatcher(embed, violations, benign, margin)
            classify = text_classifier(matcher)
            rows.append(
                [
                    name,
                    margin,
                    *_summary(
                        evaluate(prompts, categories, classify),
                        [evaluate(h, categories, classify) for h in held_out],
                    ),
                ]
            )
    print(
        _table(
            [
                "layer",
                "margin",
                "violations refused",
                "benign refused",
                "paraphrases refused",
                "second paraphrase set refused",
            ],
            rows,
        )
    )


def _summary(labelled: TextEvaluation, held_out: list[TextEvaluation]) -> list[str]:
    return [
        f"{labelled.refusal_recall:.3f}",
        f"{labelled.false_positive_rate:.2%}",
        *(f"{h.refusal_recall:.2f}" for h in held_out),
    ]


def _generated_images(rng: np.random.Generator) -> dict[str, np.ndarray]:
    side = IMAGE_SIDE
    y = np.linspace(0.0, 1.0, side)[:, None, None]
    sky = (1 - y) * np.array([90, 150, 230]) + y * np.array([200, 225, 250])
    ground = np.array([60, 120, 50]) + rng.normal(0, 12, (side, side, 3))
    landscape = np.where(np.arange(side)[:, None, None] < side * 0.6, sky, ground)
    yy, xx = np.mgrid[:side, :side]
    sun = (yy - side * 0.25) ** 2 + (xx - side * 0.7) ** 2 < (side * 0.06) ** 2
    landscape[sun] = (255, 240, 200)
    sunset = np.broadcast_to(
        (1 - y) * np.array([250, 140, 60]) + y * np.array([120, 40, 80]), (side, side, 3)
    )
    images = {
        "landscape (sky, sun, grass)": landscape,
        "sunset gradient": sunset,
        "noise": rng.integers(0, 256, (side, side, 3)),
    }
    for name, colour in {
        "flat grey": (128, 128, 128),
        "flat black": (0, 0, 0),
        "flat white": (255, 255, 255),
        "flat light skin": (241, 194, 167),
        "flat medium skin": (198, 134, 103),
        "flat dark skin": (120, 76, 52),
        "flat pink": (250, 180, 190),
    }.items():
        images[name] = np.broadcast_to(np.array(colour), (side, side, 3))
    skin_blob = np.broadcast_to(np.array([40, 40, 60]), (side, side, 3)).copy()
    ellipse = ((yy - side / 2) / (side * 0.4)) ** 2 + ((xx - side / 2) / (side * 0.25)) ** 2 < 1
    skin_blob[ellipse] = (220, 170, 140)
    images["skin-coloured ellipse on dark"] = skin_blob
    return {k: np.clip(v, 0, 255).astype(np.uint8) for k, v in images.items()}


def _packaged_images() -> dict[str, np.ndarray]:
    if importlib.util.find_spec("skimage") is None:
        return {}
    from skimage import data

    images: dict[str, np.ndarray] = {}
    for name in (
        "astronaut",
        "chelsea",
        "coffee",
        "rocket",
        "retina",
        "hubble_deep_field",
        "colorwheel",
        "immunohistochemistry",
        "logo",
        "camera",
        "moon",
        "page",
        "horse",
        "grass",
        "gravel",
        "brick",
        "coins",
    ):
        image = np.asarray(getattr(data, name)())
        if image.dtype == bool:
            image = image.astype(np.uint8) * 255
        if image.ndim == 2:
            image = np.repeat(image[:, :, None], 3, axis=2)
        images[f"skimage {name}"] = np.ascontiguousarray(image[:, :, :3]).astype(np.uint8)
    faces = data.lfw_subset()[:100]  # the first 100 of its 200 greyscale 25x25 crops are faces
    for index in range(0, len(faces), 5):
        face = np.repeat((faces[index] * 255).astype(np.uint8)[:, :, None], 3, axis=2)
        images[f"lfw {index}"] = np.kron(face, np.ones((8, 8, 1), dtype=np.uint8))
    return images


def image_report() -> None:
    from stillmotion.moderation.image import score_image

    rng = np.random.default_rng(0)
    start = time.perf_counter()
    score_image(np.zeros((8, 8, 3), np.uint8))
    load_s = time.perf_counter() - start
    images = {**_generated_images(rng), **_packaged_images()}
    scores: dict[str, float] = {}
    times: list[float] = []
    for name, image in images.items():
        start = time.perf_counter()
        scores[name] = score_image(image)
        times.append(time.perf_counter() - start)
    print(f"\n## Images: open_nsfw on {len(images)} benign images\n")
    shown = {k: v for k, v in scores.items() if not k.startswith("lfw")}
    print(_table(["image", "nsfw score"], [[k, f"{v:.3f}"] for k, v in shown.items()]))
    faces = [v for k, v in scores.items() if k.startswith("lfw")]
    if faces:
        print(
            f"\nLFW faces (20, upscaled 8x): max {max(faces):.3f}, "
            f"median {statistics.median(faces):.3f}"
        )
    values = list(scores.values())
    rows = [
        [t, sum(v >= t for v in values), f"{np.mean([v >= t for v in values]):.1%}"]
        for t in IMAGE_THRESHOLDS
    ]
    print("\n" + _table(["threshold", "benign images refused", "rate"], rows))
    print(
        f"\nmodel load + first call {load_s:.2f} s; per image median "
        f"{statistics.median(times) * 1000:.0f} ms (includes resizing the input)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-semantic", action="store_true")
    parser.add_argument("--no-images", action="store_true")
    args = parser.parse_args(argv)
    prompts, paraphrases = load_labelled(PROMPTS), load_labelled(PARAPHRASES)
    text_report(prompts, paraphrases)
    if not args.no_semantic:
        semantic_report(prompts, [paraphrases, load_labelled(PARAPHRASES_SECOND)])
    if not args.no_images:
        image_report()
    return 0


if __name__ == "__main__":
    sys.exit(main())
