"""Callbacks through the real server to real receivers on loopback: retries, timeouts, giving up,
signatures, and the delivery state on GET and in the CLI."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import create_task, wait_for_task
from tests.control.conftest import TEST_BACKOFF, deliveries
from tests.control.receivers import WebhookReceiver, always, fail_first, sleep_first, verify_standard_webhook
from tests.support.keyed_server import KeyedServer
from tests.support.postgres import STORES, store_env
from tests.support.servers import ServerProcess
from tests.support.tasks import TASKS, wait_until


def wait_for_callback(client: httpx.Client, task_id: str, status: str, timeout: float = 30) -> dict[str, Any]:
    return wait_until(client, task_id, lambda task: task["callback"]["status"] == status, timeout)


def test_a_flaky_receiver_gets_the_same_signed_event_until_it_accepts(
    control_server: KeyedServer, carol: httpx.Client, receiver: WebhookReceiver, image_host: Any
) -> None:
    url = receiver.route("/flaky", fail_first(2))
    task_id = create_task(carol, image_url=image_host.url("/landscape.jpg"), callback_url=url)
    task = wait_for_task(carol, task_id)
    assert task["status"] == "TASK_SUCCEEDED", task
    task = wait_for_callback(carol, task_id, "succeeded")
    assert task["callback"]["attempts"] == 3 and task["callback"]["last_error"] is None

    calls = receiver.calls_to("/flaky")
    assert [call.answered for call in calls] == [500, 500, 200]
    assert len({call.headers["webhook-id"] for call in calls}) == 1, "webhook-id must not change between retries"
    secret = control_server.keys["carol"]["webhook_secret"]
    for call in calls:
        verify_standard_webhook(secret, call.headers, call.body)
        assert call.body == calls[0].body
    payload = calls[0].json()
    assert payload["task_id"] == task_id and payload["status"] == "TASK_SUCCEEDED"
    assert payload["video_url"] == task["video_url"]
    assert payload["created_at"] == task["created_at"] and payload["completed_at"] == task["completed_at"]
    assert payload["message"] == "Video generation completed successfully"
    # Exponential backoff: the second wait is about twice the first.
    first_gap, second_gap = calls[1].at - calls[0].at, calls[2].at - calls[1].at
    assert first_gap >= TEST_BACKOFF * 0.9 and second_gap >= 2 * TEST_BACKOFF * 0.9, (first_gap, second_gap)


def test_a_receiver_answering_500_forever_gets_exactly_four_attempts(
    control_server: KeyedServer, carol: httpx.Client, receiver: WebhookReceiver, image_host: Any
) -> None:
    url = receiver.route("/broken", always(500))
    # A failed task (the image is missing) is called back too, without video_url.
    task_id = create_task(carol, image_url=image_host.url("/nowhere.jpg"), callback_url=url)
    task = wait_for_callback(carol, task_id, "failed")
    assert task["callback"] == {"status": "failed", "attempts": 4, "last_status_code": 500,
                                "last_error": "answered HTTP 500, not 200"}
    # Past the time a fifth attempt would have come (backoff 8x base), nothing more arrives.
    time.sleep(8 * TEST_BACKOFF + 1)
    calls = receiver.calls_to("/broken")
    assert len(calls) == 4
    payload = calls[0].json()
    assert payload["status"] == "TASK_FAILED" and payload["failure_code"] == 1001 and "video_url" not in payload
    listed = next(d for d in deliveries(control_server) if d["task_id"] == task_id)
    assert listed["status"] == "failed" and listed["attempts"] == 4 and listed["next_attempt_at"] is None


def test_a_receiver_slower_than_5_s_is_a_failed_attempt(
    carol: httpx.Client, receiver: WebhookReceiver, image_host: Any
) -> None:
    url = receiver.route("/slow", sleep_first(6.0))
    task_id = create_task(carol, image_url=image_host.url("/nowhere.jpg"), callback_url=url)
    task = wait_for_callback(carol, task_id, "succeeded", timeout=40)
    assert task["callback"]["attempts"] == 2
    calls = receiver.calls_to("/slow")
    assert len(calls) == 2 and calls[1].at - calls[0].at >= 5.0 + TEST_BACKOFF * 0.9


@pytest.mark.parametrize("url", ["http://10.0.0.1/hook", "http://169.254.169.254/hook", "http://[::1]:9/hook"])
def test_private_callback_addresses_are_refused_at_create(carol: httpx.Client, image_host: Any, url: str) -> None:
    response = carol.post(TASKS, json={"model_name": "bach-1.0-preview", "image_url": image_host.url("/landscape.jpg"),
                                       "resolution": "720p", "duration": 1, "callback_url": url})
    body = response.json()
    assert response.status_code == 400 and body["code"] == 1000, body
    assert "callback_url" in body["message"] and "refused" in body["message"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    with store_env(request.param) as env:
        yield env


def test_kill_9_during_retries_then_restart_completes_the_delivery(
    tmp_path: Any, receiver: WebhookReceiver, image_host: Any, store: dict[str, str]
) -> None:
    # A 2 s backoff leaves time to kill the server between the first and the second attempt.
    server = ServerProcess(tmp_path / "killed", STILLMOTION_WEBHOOK_BACKOFF_SECONDS="2",
                           STILLMOTION_WEBHOOK_POLL_SECONDS="0.1", **store)  # fmt: skip
    key = server.create_key("erin")
    server.start()
    url = receiver.route("/after-crash", fail_first(1))
    try:
        with server.client(key["api_key"]) as client:
            task_id = create_task(client, image_url=image_host.url("/nowhere.jpg"), callback_url=url)
            first = receiver.wait_for("/after-crash", 1, timeout=30)[0]
            # Kill only once the failed attempt is recorded: then the retry is waiting on its backoff.
            wait_until(client, task_id, lambda task: task["callback"]["last_error"] is not None, timeout=10)
        server.kill()
        time.sleep(2.5)  # the retry falls due while no server runs
        assert len(receiver.calls_to("/after-crash")) == 1
        server.start()
        calls = receiver.wait_for("/after-crash", 2, timeout=30)
        assert calls[1].answered == 200 and calls[1].headers["webhook-id"] == first.headers["webhook-id"]
        verify_standard_webhook(key["webhook_secret"], calls[1].headers, calls[1].body)
        with server.client(key["api_key"]) as client:
            assert wait_for_callback(client, task_id, "succeeded")["callback"]["attempts"] == 2
    finally:
        server.stop()


def test_rotated_secret_signs_the_next_delivery(
    control_server: KeyedServer, receiver: WebhookReceiver, image_host: Any
) -> None:
    key = control_server.create_key("frank")
    out = control_server.cli("keys", "rotate-webhook-secret", "frank")
    new_secret = out.split()[-1]
    assert new_secret.startswith("whsec_") and new_secret != key["webhook_secret"]
    url = receiver.route("/rotated", always(200))
    with control_server.client(key["api_key"]) as client:
        create_task(client, image_url=image_host.url("/nowhere.jpg"), callback_url=url)
    call = receiver.wait_for("/rotated", 1, timeout=30)[0]
    verify_standard_webhook(new_secret, call.headers, call.body)
    with pytest.raises(AssertionError):
        verify_standard_webhook(key["webhook_secret"], call.headers, call.body)
