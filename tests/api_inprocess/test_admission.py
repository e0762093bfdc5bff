"""The checks a create passes before anything is stored (api/admission.py), called directly with
the real catalog, moderation and storage: which rule refuses, with which sentence, and the audit
line that names the account, never the words."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from stillmotion.api import admission
from stillmotion.api.admission import admit, warm_up
from stillmotion.api.schemas import CreateTaskRequest
from stillmotion.config import Settings
from stillmotion.engines.catalog import ModelCatalog
from stillmotion.errors import ImageRejected, InvalidField, ModerationRefused, NotReady
from stillmotion.storage import create_storage
from tests.api_inprocess.test_lifecycle import DATA_URL

VIOLENT = "a man is stabbed to death, blood pouring from the wounds"
PARAPHRASED = "a person writing a goodbye note before taking their life"  # no lexicon word: self-harm by meaning


async def _admit(tmp_path: Path, settings: dict[str, Any] | None = None, **fields: Any) -> None:
    chosen = Settings(**{"data_dir": tmp_path, "moderation_semantic": False, **(settings or {})})
    request = CreateTaskRequest(**{"model_name": "bach-1.0-preview", "image_url": DATA_URL, "resolution": "720p",
                                   "duration": 1, **fields})  # fmt: skip
    await admit(request, chosen, ModelCatalog(chosen), create_storage(chosen), account_id=7)


async def test_an_unserved_model_is_refused_naming_the_served_ones(tmp_path: Path) -> None:
    with pytest.raises(InvalidField) as refused:
        await _admit(tmp_path, model_name="bach-2")
    assert (refused.value.message, refused.value.field) == ("model_name must be one of: bach-1.0-preview.", "model_name")


@pytest.mark.parametrize(("field", "label"), [("prompt", "Prompt"), ("negative_prompt", "Negative prompt"),
                                              ("audio_prompt", "Audio prompt")])  # fmt: skip
async def test_a_refused_text_is_1002_and_audited(tmp_path: Path, field: str, label: str,
                                                  caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    text = VIOLENT if field != "audio_prompt" else "stabbed to death, blood pouring"
    with caplog.at_level(logging.WARNING, logger="stillmotion.audit"), pytest.raises(ModerationRefused) as refused:
        await _admit(tmp_path, **{field: text})
    assert refused.value.message.startswith(label) and "stabbed" not in refused.value.message
    assert [record.getMessage() for record in caplog.records if record.name == "stillmotion.audit"] == [
        f"moderation refused a create request: account=7 reason={refused.value.message!r}"]


async def test_moderation_off_lets_the_text_through_unless_the_operator_requires_it(tmp_path: Path) -> None:
    await _admit(tmp_path, prompt=VIOLENT, enable_moderation=False)
    with pytest.raises(ModerationRefused):
        await _admit(tmp_path, {"moderation_required": True}, prompt=VIOLENT, enable_moderation=False)


async def test_the_semantic_layer_refuses_what_the_lexicon_spells_nowhere(tmp_path: Path) -> None:
    """With `moderation_semantic` on (the default), the create reads the prompt with the MiniLM
    matcher too; off, only the lexicon reads it."""
    await _admit(tmp_path, prompt=PARAPHRASED)
    with pytest.raises(ModerationRefused) as refused:
        await _admit(tmp_path, {"moderation_semantic": True}, prompt=PARAPHRASED)
    assert refused.value.message == "Prompt was refused by content moderation (category: self-harm)."


@pytest.mark.parametrize("semantic", [True, False])
def test_the_warm_up_loads_the_semantic_model_only_when_it_is_on(tmp_path: Path, semantic: bool,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    loaded: list[bool] = []
    monkeypatch.setattr(admission, "load_semantic_matcher", lambda: loaded.append(True))
    warm_up(Settings(data_dir=tmp_path, moderation_semantic=semantic))
    assert loaded == ([True] if semantic else [])


async def test_a_request_that_breaks_no_rule_is_admitted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="stillmotion.audit"):
        await _admit(tmp_path, prompt="waves roll in", negative_prompt="blood, gore, nudity")  # what to avoid
        await _admit(tmp_path)
    assert caplog.records == []


async def test_the_image_is_checked_last(tmp_path: Path) -> None:
    with pytest.raises(ImageRejected):
        await _admit(tmp_path, image_url="data:image/png;base64,AAAA")
    with pytest.raises(ModerationRefused):
        await _admit(tmp_path, image_url="data:image/png;base64,AAAA", prompt=VIOLENT)


async def test_every_served_model_is_named_and_a_broken_one_is_not_ready(tmp_path: Path) -> None:
    models = {"bach-1.0-preview": "motion", "bach-broken": "no-such-engine"}
    with pytest.raises(InvalidField) as refused:
        await _admit(tmp_path, {"models": models}, model_name="bach-2")
    assert refused.value.message == "model_name must be one of: bach-1.0-preview, bach-broken."
    with pytest.raises(NotReady) as not_ready:
        await _admit(tmp_path, {"models": models}, model_name="bach-broken")
    assert (not_ready.value.message, not_ready.value.retry_after) == (
        "Model bach-broken is not ready on this server; try again later.", 60)
