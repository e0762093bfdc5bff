"""Text no database column can hold (NUL; unpaired UTF-16 surrogates) is refused at the edge with
400/1000 naming where it was, wherever a client can put it; on PostgreSQL it used to reach a
query and answer 500. A valid astral character (a surrogate *pair* in JSON) passes."""

from __future__ import annotations

import base64
import json

import httpx
import pytest

from tests.hostile.envelope import assert_answer
from tests.support.tasks import TASKS

JSON = {"Content-Type": "application/json"}
_FIELDS = (
    b'"model_name": "bach-1.0-preview", "image_url": "http://images.invalid/a.jpg", '
    b'"resolution": "720p", "duration": 1'
)

# Raw JSON text, so that the escapes reach the server as written (json.dumps would refuse some).
UNSTORABLE_BODIES = [
    pytest.param(b'"prompt": "a\\u0000b"', "prompt", id="nul-prompt"),
    pytest.param(b'"negative_prompt": "\\u0000"', "negative_prompt", id="nul-negative-prompt"),
    pytest.param(b'"audio_prompt": "rain\\u0000"', "audio_prompt", id="nul-audio-prompt"),
    pytest.param(b'"callback_url": "https://example.com/\\u0000"', "callback_url", id="nul-callback"),
    pytest.param(b'"prompt": "\\ud800"', "prompt", id="lone-high-surrogate"),
    pytest.param(b'"prompt": "x\\udfff"', "prompt", id="lone-low-surrogate"),
    pytest.param(b'"prompt": "\\ude00\\ud83d"', "prompt", id="reversed-pair"),
    pytest.param(b'"audio_prompt": "\\ud83d"', "audio_prompt", id="half-emoji"),
    pytest.param(b'"\\u0000": 1', "a field or parameter name", id="nul-in-a-key"),
    pytest.param(b'"extra": {"deep": ["ok", "\\ud800"]}', "extra", id="nested-unknown-field"),
]


@pytest.mark.parametrize(("fragment", "field"), UNSTORABLE_BODIES)
def test_unstorable_text_in_the_body(alice: httpx.Client, fragment: bytes, field: str) -> None:
    body = b"{" + _FIELDS + b", " + fragment + b"}"
    assert_answer(alice.post(TASKS, content=body, headers=JSON), 400, 1000, f"{field} contains a character")


def test_model_name_with_nul_first_in_the_body(alice: httpx.Client) -> None:
    body = b'{"model_name": "bach\\u0000", "image_url": "\\ud800", "resolution": "720p", "duration": 1}'
    assert_answer(alice.post(TASKS, content=body, headers=JSON), 400, 1000, "model_name contains a character")


def test_unstorable_text_with_an_idempotency_key(alice: httpx.Client) -> None:
    """The key's digest encodes the body as UTF-8: a lone surrogate there was a 500 on SQLite too."""
    body = b"{" + _FIELDS + b', "prompt": "\\udbff"}'
    response = alice.post(TASKS, content=body, headers={**JSON, "Idempotency-Key": "k-1"})
    assert_answer(response, 400, 1000, "prompt contains a character")


def test_a_surrogate_pair_is_an_ordinary_character(alice: httpx.Client) -> None:
    """Passes the text rule: the answer is about the model name, not about the emoji in it."""
    body = b'{"model_name": "\\ud83d\\ude00", "image_url": "http://images.invalid/a.jpg", "resolution": "720p", "duration": 1}'
    assert_answer(alice.post(TASKS, content=body, headers=JSON), 400, 1000, "model_name must be one of")


UNSTORABLE_URLS = [
    pytest.param("GET", TASKS + "/%00", "task_id", id="task-id-nul"),
    pytest.param("GET", TASKS + "/abc%00def", "task_id", id="task-id-embedded-nul"),
    pytest.param("POST", TASKS + "/%00/cancel", "task_id", id="cancel-nul"),
    pytest.param("GET", "/files/videos/%00.mp4", "key", id="video-key-nul"),
    pytest.param("GET", "/files/uploads/a%00.jpg", "key", id="upload-key-nul"),
    pytest.param("GET", TASKS + "?status=%00", "status", id="query-status-nul"),
    pytest.param("GET", TASKS + "?cursor=%00", "cursor", id="query-cursor-nul"),
    pytest.param("GET", TASKS + "?x%00=1", "a field or parameter name", id="query-name-nul"),
    pytest.param("GET", TASKS + "?limit=1%00", "limit", id="query-limit-nul"),
]


@pytest.mark.parametrize(("method", "url", "name"), UNSTORABLE_URLS)
def test_nul_in_paths_and_queries(alice: httpx.Client, method: str, url: str, name: str) -> None:
    assert_answer(alice.request(method, url), 400, 1000, f"{name} contains a character")


def _cursor(created: str, task_id: str) -> str:
    raw = json.dumps([created, task_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param(_cursor("2026-01-01T00:00:00+00:00", "\x00"), id="nul-task-id"),
        pytest.param(_cursor("2026-01-01T00:00:00+00:00", "not-a-task-id"), id="not-a-uuid"),
        pytest.param(_cursor("2026-01-01T00:00:00", "6f1c1d4e-1111-4111-8111-111111111111"), id="naive-time"),
        pytest.param(base64.urlsafe_b64encode(b"[" * 5000).decode(), id="nested"),
        pytest.param(base64.urlsafe_b64encode(b'["\xed\xa0\x80", "x"]').decode(), id="surrogate-bytes"),
        pytest.param("!!!", id="not-base64"),
    ],
)
def test_forged_cursors(alice: httpx.Client, cursor: str) -> None:
    assert_answer(alice.get(TASKS, params={"cursor": cursor}), 400, 1000, "cursor")
