"""The checks a create passes before anything is stored (api/admission.py), called directly with
the real catalog, moderation and storage: which rule refuses, with which sentence, and the audit
line that names the account, never the words."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from stillmotion.api.admission import admit
from stillmotion.api.schemas import CreateTaskRequest
from stillmotion.config import Settings
from stillmotion.engines.catalog import ModelCatalog
from stillmotion.errors import ImageRejected, InvalidField, ModerationRefused, NotReady
from stillmotion.storage import create_storage
from tests.api_inprocess.test_lifecycle import DATA_URL

VIOLENT = "a man is stabbed to death, blood pouring from the wounds"


async def _admit(tmp_path: Path, settings: dict[str, Any] | None = None, **fields: Any) -> None:
    chosen = Settings(data_dir=tmp_path, moderation_semantic=False, **(settings or {}))
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
