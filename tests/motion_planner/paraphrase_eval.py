"""Scores the prompt reader on the labelled paraphrase set, with and without the embedding.

Run `python -m tests.motion_planner.paraphrase_eval` for the table quoted in
docs/motion-planning.md; `test_paraphrase.py` keeps the decision honest.
The score reads what the reader understood (its mentions), not the final
plan, so the default slow push-in does not count as understanding "closer".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from stillmotion.engines.motion import prompt_paraphrase
from stillmotion.engines.motion.lexicon import Concept
from stillmotion.engines.motion.prompt import camera_kind
from stillmotion.engines.motion.prompt_match import Paraphraser, read_prompt
from tests.motion_planner.paraphrase_set import CONTROLS, PARAPHRASES


@dataclass(frozen=True)
class Score:
    understood: int
    total: int
    misread: int
    """Paraphrases read as something they do not say (worse than reading nothing)."""
    invented: int
    """Control prompts in which the reader found motion that is not there."""
    controls: int

    def row(self, name: str) -> str:
        return (f"| {name} | {self.understood}/{self.total} ({self.understood / self.total:.0%}) "
                f"| {self.misread}/{self.total} | {self.invented}/{self.controls} |")


def _labels(prompt: str, paraphrase: Paraphraser | None) -> set[str]:
    labels = set()
    for mention in read_prompt(prompt, paraphrase).mentions:
        if mention.negated:
            continue
        kind = camera_kind(mention)
        if kind is not None:
            labels.add(f"camera:{kind}")
        elif mention.concept.group in ("region", "particle"):
            labels.add(f"{mention.concept.group}:{mention.concept.kind}")
    return labels


def score(
    paraphrase: Paraphraser | None, items: tuple[tuple[str, str], ...] = PARAPHRASES,
    controls: tuple[str, ...] = CONTROLS,
) -> Score:
    readings = [(_labels(prompt, paraphrase), label) for prompt, label in items]
    understood = sum(label in labels for labels, label in readings)
    misread = sum(bool(labels - {label}) for labels, label in readings)
    invented = sum(bool(_labels(prompt, paraphrase)) for prompt in controls)
    return Score(understood, len(items), misread, invented, len(controls))


def with_thresholds(similarity: float, margin: float) -> Callable[[str], tuple[Concept, float] | None]:
    return lambda clause: prompt_paraphrase.closest_concept(clause, similarity, margin)


def main() -> None:
    print("| reader | paraphrases understood | misread | controls with invented motion |")
    print("|---|---|---|---|")
    print(score(None).row("lexicon only"))
    if not prompt_paraphrase.available():
        print("(wordllama is not installed: no embedding rows)")
        return
    print(score(prompt_paraphrase.closest_concept).row(
        f"lexicon + wordllama (sim >= {prompt_paraphrase.MIN_SIMILARITY}, "
        f"margin >= {prompt_paraphrase.MIN_MARGIN})"))
    tune, held_out = PARAPHRASES[0::2], PARAPHRASES[1::2]
    a, b = score(None, tune, ()), score(None, held_out, ())
    print(f"\nthreshold sweep (tuning half / held-out half / controls); lexicon only: "
          f"{a.understood}/{a.total} {b.understood}/{b.total}")
    for similarity in (0.3, 0.35, 0.4, 0.45, 0.5):
        for margin in (0.0, 0.05, 0.1):
            reader = with_thresholds(similarity, margin)
            a, b = score(reader, tune, CONTROLS), score(reader, held_out, ())
            print(f"sim {similarity:.2f} margin {margin:.2f}: {a.understood}/{a.total} "
                  f"{b.understood}/{b.total} misread {a.misread + b.misread} "
                  f"invented {a.invented}/{a.controls}")

if __name__ == "__main__":
    main()
