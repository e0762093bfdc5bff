"""Task notes through the real server: on GET, in the webhook, and as 5006 under motion_strict."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import create_task, wait_for_task
from tests.control.conftest import CONTROL_ENV
from tests.control.receivers import WebhookReceiver, always
from tests.support.images import encode
from tests.support.keyed_server import KeyedServer

data = pytest.importorskip("skimage.data")


@pytest.fixture(scope="module")
def strict_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    process = KeyedServer(tmp_path_factory.mktemp("strict"), ("erin",), **CONTROL_ENV,
                          STILLMOTION_MOTION_STRICT="true")
    with process.running():
        yield process


def cat_url(image_host: Any) -> str:
    return image_host.add("/chelsea.png", encode(data.chelsea(), "PNG"), "image/png")


def test_a_subject_action_is_a_note_on_get_and_in_the_webhook(
    carol: httpx.Client, receiver: WebhookReceiver, image_host: Any
) -> None:
    url = receiver.route("/notes", always(200))
    task_id = create_task(carol, image_url=cat_url(image_host), prompt="the cat blinks, slow push in",
                          duration=1, fps=24, callback_url=url)
    task = wait_for_task(carol, task_id)
    assert task["status"] == "TASK_SUCCEEDED", task
    assert len(task["notes"]) == 1 and task["notes"][0].startswith("'blinks': a subject's action")
    assert "blinks" not in task["enhanced_prompt"]
    for _ in range(100):
        calls = receiver.calls_to("/notes")
        if calls:
            break
        time.sleep(0.1)
    assert calls[0].json()["notes"] == task["notes"]


def test_a_task_that_renders_everything_has_empty_notes(carol: httpx.Client, image_host: Any) -> None:
    task = wait_for_task(carol, create_task(carol, image_url=cat_url(image_host), prompt="slow push in",
                                            duration=1, fps=24))
    assert task["status"] == "TASK_SUCCEEDED" and task["notes"] == []


def test_strict_mode_fails_with_5006_and_the_note_as_message(strict_server: KeyedServer, image_host: Any) -> None:
    with strict_server.client_for("erin") as erin:
        task = wait_for_task(erin, create_task(erin, image_url=cat_url(image_host), prompt="the cat blinks",
                                               duration=1, fps=24))
        assert task["status"] == "TASK_FAILED" and task["failure_code"] == 5006, task
        assert "'blinks'" in task["message"] and task["notes"] and task["notes"][0] in task["message"]
        fine = wait_for_task(erin, create_task(erin, image_url=cat_url(image_host), prompt="slow push in",
                                               duration=1, fps=24))
        assert fine["status"] == "TASK_SUCCEEDED" and fine["notes"] == []


def test_the_openapi_schema_documents_notes(carol: httpx.Client) -> None:
    schema = carol.get("/openapi.json").json()
    detail = schema["components"]["schemas"]["TaskDetail"]["properties"]
    assert "notes" in detail
