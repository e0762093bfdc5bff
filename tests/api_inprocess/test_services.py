"""What the app's lifespan opens (api/services.py, api/app.py) and what the request limits refuse
(api/request_limits.py), each started inside its own test.

The other modules share session-scoped apps, so mutation testing sees their start-up called by
one test only; here each test boots its own app, so a mutant in the start-up is run against
tests that look at what it built."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest
import redis
from starlette.types import Message, Receive, Scope, Send

from stillmotion.api.request_limits import MAX_HEADER_BYTES, RequestLimitMiddleware
from stillmotion.engines.registry import EngineRegistry
from stillmotion.executors.celery import CeleryExecutor
from stillmotion.executors.local import LocalExecutor
from tests.api_inprocess.apps import issue_key, running_app
from tests.api_inprocess.test_admission import VIOLENT
from tests.api_inprocess.test_lifecycle import BODY
from tests.support.tasks import TASKS


def test_the_embedded_app_runs_the_worker_in_process(tmp_path: Path) -> None:
    with running_app(tmp_path, parked=False, workers=2, public_url="http://served.example") as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        assert (services.settings.data_dir, services.settings.workers) == (tmp_path, 2)
        assert type(services.executor) is LocalExecutor and services.executor.workers == 2
        assert type(services.models) is EngineRegistry and services.models.model_names == ["bach-1.0-preview"]
        assert services.storage.video_url("k.mp4") == "http://served.example/files/videos/k.mp4"
        assert client.get("/readyz").json()["data"] == {"status": "ready"}


def test_the_parked_app_only_queues(tmp_path: Path) -> None:
    with running_app(tmp_path, parked=True) as client:
        services = client.app.state.services  # type: ignore[attr-defined]
        assert type(services.executor) is CeleryExecutor and services.models.model_names == ["bach-1.0-preview"]


def test_the_rate_limit_is_the_settings(tmp_path: Path) -> None:
    with running_app(tmp_path, parked=True, rate_limit_per_minute=2) as client:
        auth = {"Authorization": f"Bearer {issue_key(client, 'ivy', 0).api_key}"}
        assert [client.get(TASKS, headers=auth).status_code for _ in range(2)] == [200, 200]
        refused = client.get(TASKS, headers=auth)
        assert (refused.status_code, refused.json()["code"], refused.json()["message"]) == (
            429, 1303, "Rate limit exceeded: at most 2 requests per minute.")
        assert 1 <= int(refused.headers["retry-after"]) <= 60
        other = {"Authorization": f"Bearer {issue_key(client, 'jay', 0).api_key}"}
        assert client.get(TASKS, headers=other).status_code == 200  # each account has its own window


async def _echo_length(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that reads the whole body and answers its length."""
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": str(size).encode()})


async def _answer_first(scope: Scope, receive: Receive, send: Send) -> None:
    """An app that starts its answer before it reads the body."""
    await send({"type": "http.response.start", "status": 202, "headers": []})
    await _echo_length(scope, receive, lambda message: _ignore(message))


async def _ignore(message: Message) -> None:
    return None


async def _call(middleware: Any, headers: list[tuple[bytes, bytes]], chunks: list[bytes], path: str = "/x",
                kind: str = "http") -> list[Message]:  # fmt: skip
    messages = [{"type": "http.request", "body": chunk, "more_body": i < len(chunks) - 1} for i, chunk in enumerate(chunks)]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    await middleware({"type": kind, "path": path, "headers": headers, "method": "POST"}, receive, send)
    return sent


def _answer(sent: list[Message]) -> tuple[int, bytes]:
    return sent[0]["status"], b"".join(message.get("body", b"") for message in sent[1:])


TOO_LARGE = b'{"code":1003,"message":"Request body too large.","data":null}'


@pytest.mark.parametrize(
    ("headers", "chunks", "answer"),
    [
        ([], [b"x" * 10], (200, b"10")),
        ([(b"content-length", b"10")], [b"x" * 10], (200, b"10")),
        ([(b"content-length", b"11")], [b"x" * 10], (413, TOO_LARGE)),  # refused on the announced length
        ([(b"content-length", b"ten")], [b"x" * 10], (200, b"10")),
        ([], [b"x" * 6, b"x" * 5], (413, TOO_LARGE)),  # chunked: counted as it arrives
        ([], [b"x" * 6, b"x" * 4], (200, b"10")),
        ([(b"a" * 9, b"b" * 11)], [b""], (200, b"0")),  # 20 bytes of headers: at the limit
        ([(b"a" * 9, b"b" * 12)], [b""], (431, b'{"code":1003,"message":"Request headers too large.","data":null}')),
        ([(b"a" * 5, b"b" * 5), (b"c" * 5, b"d" * 6)], [b""], (431, b'{"code":1003,"message":"Request headers too large.","data":null}')),
    ],
)  # fmt: skip
async def test_the_request_limits(headers: list[tuple[bytes, bytes]], chunks: list[bytes], answer: tuple[int, bytes]) -> None:
    middleware = RequestLimitMiddleware(_echo_length, max_body_bytes=10, max_header_bytes=20)
    assert _answer(await _call(middleware, headers, chunks)) == answer


async def test_a_refusal_under_v1_is_in_openai_shape() -> None:
    middleware = RequestLimitMiddleware(_echo_length, max_body_bytes=10)
    sent = await _call(middleware, [(b"content-length", b"11")], [b""], path="/v1/videos")
    assert _answer(sent) == (413, b'{"error":{"message":"Request body too large.","type":"invalid_request_error",'
                                  b'"param":null,"code":"request_too_large"}}')  # fmt: skip


async def test_a_chunked_body_over_the_limit_under_v1_is_refused_in_openai_shape() -> None:
    middleware = RequestLimitMiddleware(_echo_length, max_body_bytes=10)
    sent = await _call(middleware, [], [b"x" * 6, b"x" * 6], path="/v1/videos")
    assert _answer(sent) == (413, b'{"error":{"message":"Request body too large.","type":"invalid_request_error",'
                                  b'"param":null,"code":"request_too_large"}}')  # fmt: skip


async def test_the_header_limit_defaults_to_32_kib() -> None:
    middleware = RequestLimitMiddleware(_echo_length, max_body_bytes=10)
    assert (middleware.max_header_bytes, MAX_HEADER_BYTES) == (32 * 1024, 32 * 1024)
    assert _answer(await _call(middleware, [(b"x", b"y" * (32 * 1024 - 1))], [b""]))[0] == 200
    assert _answer(await _call(middleware, [(b"x", b"y" * 32 * 1024)], [b""]))[0] == 431


async def test_an_answer_already_started_is_not_answered_twice() -> None:
    middleware = RequestLimitMiddleware(_answer_first, max_body_bytes=10)
    sent = await _call(middleware, [], [b"x" * 6, b"x" * 6])
    assert [message["type"] for message in sent] == ["http.response.start"] and sent[0]["status"] == 202


async def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        seen.append(scope["type"])

    middleware = RequestLimitMiddleware(app, max_body_bytes=0, max_header_bytes=0)
    assert await _call(middleware, [(b"a", b"b")], [b"x"], kind="websocket") == []
    assert seen == ["websocket"]


def _credits(client: Any, name: str) -> int:
    keys = client.portal.call(client.app.state.services.store.accounts.list_keys, name)
    return int(keys[0].credits)


def test_a_create_is_charged_and_limited_as_the_settings_say(tmp_path: Path) -> None:
    body = {**BODY, "resolution": "1080p", "duration": 3, "generate_audio": True, "seed": 5}
    with running_app(tmp_path, parked=True, credits_enabled=True, max_active_tasks=2, max_queued_tasks=3) as client:
        jo = {"Authorization": f"Bearer {issue_key(client, 'jo', 100).api_key}"}
        assert client.post(TASKS, json=body, headers=jo).status_code == 200
        assert _credits(client, "jo") == 100 - (3 * 2 + 1)
        assert client.post(TASKS, json={**body, "generate_audio": False, "resolution": "720p"}, headers=jo).status_code == 200
        assert _credits(client, "jo") == 93 - 3
        busy = client.post(TASKS, json=body, headers=jo)
        assert (busy.status_code, busy.json()["message"], busy.headers["retry-after"]) == (
            429, "Too many active tasks (at most 2 at once); wait for one to finish.", "5")
        kim = {"Authorization": f"Bearer {issue_key(client, 'kim', 0).api_key}"}
        poor = client.post(TASKS, json=body, headers=kim)
        assert (poor.status_code, poor.json()["code"], _credits(client, "jo")) == (403, 1302, 90)
        lee = {"Authorization": f"Bearer {issue_key(client, 'lee', 100).api_key}"}
        assert client.post(TASKS, json=body, headers=lee).status_code == 200
        full = client.post(TASKS, json=body, headers=lee)
        assert (full.status_code, full.json()["message"]) == (503, "The task queue is full; try again later.")


def test_without_credits_a_create_is_free(tmp_path: Path) -> None:
    with running_app(tmp_path, parked=True, credits_enabled=False) as client:
        auth = {"Authorization": f"Bearer {issue_key(client, 'mo', 0).api_key}"}
        created = client.post(TASKS, json=BODY, headers=auth)
        assert created.status_code == 200 and _credits(client, "mo") == 0


def test_without_a_broker_the_app_is_not_ready_and_a_task_waits_in_the_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with running_app(tmp_path, parked=True, broker_url="redis://127.0.0.1:1/0") as client:
        not_ready = client.get("/readyz")
        assert (not_ready.status_code, not_ready.json(), not_ready.headers["retry-after"]) == (
            503, {"code": 5001, "message": "Not ready: task queue unreachable.", "data": None}, "5")
        auth = {"Authorization": f"Bearer {issue_key(client, 'nia', 10).api_key}"}
        with caplog.at_level(logging.WARNING, logger="stillmotion.api"):
            created = client.post(TASKS, json=BODY, headers=auth)
        task_id = created.json()["data"]["task_id"]
        assert client.get(f"{TASKS}/{task_id}", headers=auth).json()["data"]["status"] == "TASK_PENDING"
    warnings = [record.getMessage() for record in caplog.records if record.name == "stillmotion.api"]
    assert len(warnings) == 1 and warnings[0].startswith(f"task {task_id} stored but not queued (broker unreachable: ")
    assert warnings[0].endswith("); the reclaim sweep will queue it")



def _created_total(client: Any) -> float:
    line = f'stillmotion_tasks_created_total{{model="{BODY["model_name"]}"}} '
    found = [row for row in client.get("/metrics").text.splitlines() if row.startswith(line)]
    return float(found[0].removeprefix(line)) if found else 0.0


def test_a_create_is_queued_on_its_models_queue_counted_and_logged(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with running_app(tmp_path, parked=True, credits_enabled=True) as client:
        settings = client.app.state.services.settings  # type: ignore[attr-defined]
        key = issue_key(client, "pia", 10)
        account = _account_id(client, key.api_key)
        before = _created_total(client)
        with caplog.at_level(logging.INFO, logger="stillmotion.tasks"):
            created = client.post(TASKS, json=BODY, headers={"Authorization": f"Bearer {key.api_key}"})
        task_id = created.json()["data"]["task_id"]
        assert _created_total(client) == before + 1
        queue = redis.Redis.from_url(settings.broker_url)
        try:
            # The broker's keys carry the deployment's prefix (global_keyprefix); the queue is per model.
            assert queue.llen(f"{settings.queue_prefix}:{settings.queue_prefix}.{BODY['model_name']}") == 1
        finally:
            queue.close()
    events = [record for record in caplog.records if record.name == "stillmotion.tasks"]
    assert [record.getMessage() for record in events] == [
        f"task {task_id} queued account={account} model=bach-1.0-preview resolution=720p duration=1 cost=1"]
    assert (events[0].event, events[0].task_id) == ("queued", task_id)  # type: ignore[attr-defined]


def _account_id(client: Any, api_key: str) -> int:
    credential = client.portal.call(client.app.state.services.store.accounts.by_api_key, api_key)
    return int(credential.account_id)


def test_a_refused_create_is_audited_with_its_account_and_a_callback_is_checked(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with running_app(tmp_path, parked=True, credits_enabled=False) as client:
        key = issue_key(client, "quinn", 0)
        auth = {"Authorization": f"Bearer {key.api_key}"}
        account = _account_id(client, key.api_key)
        with caplog.at_level(logging.WARNING, logger="stillmotion.audit"):
            refused = client.post(TASKS, json={**BODY, "prompt": VIOLENT}, headers=auth)
        assert (refused.status_code, refused.json()["code"]) == (400, 1002)
        callback = client.post(TASKS, json={**BODY, "callback_url": "http://no-such-host.invalid/hook"}, headers=auth)
        assert (callback.status_code, callback.json()["message"]) == (
            400, "callback_url host no-such-host.invalid could not be resolved.")
    audited = [record.getMessage() for record in caplog.records if record.name == "stillmotion.audit"]
    assert audited == [f"moderation refused a create request: account={account} "
                       f"reason={refused.json()['message']!r}"]  # fmt: skip
