"""Per-account limits (requests per minute, active tasks) and the bounded queue, through the real
server; credits switched off for a private deployment."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import create_task
from tests.support.servers import ServerProcess

CREATE = "/api/vdr/videos/image2video"
PER_MINUTE, MAX_ACTIVE, MAX_QUEUED = 40, 2, 3


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = ServerProcess(
        tmp_path_factory.mktemp("limited"),
        STILLMOTION_WORKERS="1",
        STILLMOTION_CREDITS_ENABLED="false",
        # Room for the status polls below, small enough to reach quickly in a test.
        STILLMOTION_RATE_LIMIT_PER_MINUTE=str(PER_MINUTE),
        STILLMOTION_MAX_ACTIVE_TASKS=str(MAX_ACTIVE),
        STILLMOTION_MAX_QUEUED_TASKS=str(MAX_QUEUED),
    )
    server.start()
    yield server
    server.stop()


def assert_refused(response: httpx.Response, http_status: int, code: int) -> None:
    assert response.status_code == http_status and response.json()["code"] == code, response.text
    assert int(response.headers["retry-after"]) >= 1


def test_requests_per_minute(limited: ServerProcess) -> None:
    key = limited.create_key("rapid")
    with limited.client(key["api_key"]) as client:
        for _ in range(PER_MINUTE):
            assert client.get(CREATE).status_code == 200
        assert_refused(client.get(CREATE), 429, 1303)
    # Per account: another account is not held back.
    with limited.client(limited.create_key("calm")["api_key"]) as other:
        assert other.get(CREATE).status_code == 200


def test_active_tasks_per_account_and_the_bounded_queue(limited: ServerProcess, image_host: Any) -> None:
    url = image_host.url("/landscape.jpg")
    long_render = {"image_url": url, "resolution": "1080p", "duration": 6}
    # Credits are off: accounts with no credits at all can create tasks.
    keys = {name: limited.create_key(name, credits=0) for name in ("ann", "ben", "cid")}
    clients = {name: limited.client(key["api_key"]) for name, key in keys.items()}
    made: list[tuple[str, str]] = []
    try:
        ann, ben, cid = clients["ann"], clients["ben"], clients["cid"]
        made += [("ann", create_task(ann, **long_render)) for _ in range(MAX_ACTIVE)]
        assert_refused(ann.post(CREATE, json={"model_name": "bach-1.0-preview", "duration": 1, **long_render}), 429, 1303)
        # One worker runs ann's first task; ann's second and ben's two fill the queue of 3.
        deadline = time.monotonic() + 30
        while ann.get(f"{CREATE}/{made[0][1]}").json()["data"]["status"] != "TASK_PROCESSING":
            assert time.monotonic() < deadline, "the first task never started"
            time.sleep(0.25)
        made += [("ben", create_task(ben, **long_render)) for _ in range(2)]
        response = cid.post(CREATE, json={"model_name": "bach-1.0-preview", **long_render})
        assert_refused(response, 503, 5001)
        assert "queue" in response.json()["message"].lower()
    finally:
        for name, task_id in made:
            clients[name].post(f"{CREATE}/{task_id}/cancel")
        for client in clients.values():
            client.close()
