"""Moderation through the real server: refused at create (1002), nothing stored; switchable per request."""

from __future__ import annotations

from typing import Any

import httpx

CREATE = "/api/vdr/videos/image2video"
VIOLENT = "a man is stabbed to death, blood pouring from the wounds"


def body(image_host: Any, **fields: Any) -> dict[str, Any]:
    return {"model_name": "bach-1.0-preview", "image_url": image_host.url("/landscape.jpg"),
            "resolution": "720p", "duration": 1, **fields}


def test_a_refused_prompt_answers_1002_naming_field_and_category(alice: httpx.Client, image_host: Any) -> None:
    for field, label in (("prompt", "Prompt"), ("audio_prompt", "Audio prompt")):
        response = alice.post(CREATE, json=body(image_host, **{field: VIOLENT}))
        assert response.status_code == 400, response.text
        answer = response.json()
        assert answer["code"] == 1002 and answer["message"].startswith(label), answer
        assert "violence" in answer["message"] and "stabbed" not in answer["message"]


def test_benign_traps_and_excluding_negatives_pass(alice: httpx.Client, image_host: Any) -> None:
    for fields in ({"prompt": "kill the lights, shoot a photo of the sunset"},
                   {"prompt": "a knife on a cutting board", "negative_prompt": "blood, gore, nudity"}):
        response = alice.post(CREATE, json=body(image_host, **fields))
        assert response.status_code == 200, (fields, response.text)


def test_enable_moderation_false_skips_the_text_check(alice: httpx.Client, image_host: Any) -> None:
    response = alice.post(CREATE, json=body(image_host, prompt=VIOLENT, enable_moderation=False))
    assert response.status_code == 200, response.text


async def test_an_operator_can_forbid_turning_moderation_off(tmp_path: Any) -> None:
    import pytest

    from stillmotion.api.admission import admit
    from stillmotion.api.schemas import CreateTaskRequest
    from stillmotion.config import Settings
    from stillmotion.engines.catalog import ModelCatalog
    from stillmotion.errors import ModerationRefused
    from stillmotion.storage.local import LocalStorage

    settings = Settings(data_dir=tmp_path, moderation_required=True)
    request = CreateTaskRequest(model_name="bach-1.0-preview", image_url="https://example.com/a.jpg",
                                resolution="720p", duration=1, prompt=VIOLENT, enable_moderation=False)
    with pytest.raises(ModerationRefused):
        await admit(request, settings, ModelCatalog(settings), LocalStorage(settings), account_id=1)
