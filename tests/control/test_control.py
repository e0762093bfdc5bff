"""Task control through the real server: cancel (queued and running) with refunds, listing,
Idempotency-Key, and retention."""

from __future__ import annotations

import time
from typing import Any

import httpx

from tests.conftest import create_task, wait_for_task
from tests.control.conftest import CONTROL_ENV, ledger_rows
from tests.control.receivers import WebhookReceiver, always
from tests.support.keyed_server import KeyedServer
from tests.support.tasks import TASKS, get_task, wait_until


def test_cancel_a_queued_and_a_running_task(
    control_server: KeyedServer, carol: httpx.Client, receiver: WebhookReceiver, image_host: Any
) -> None:
    url = image_host.url("/landscape.jpg")
    hook = receiver.route("/cancelled", always(200))
    # One worker: a long 1080p render occupies it, so the next task waits in the queue.
    running = create_task(carol, image_url=url, resolution="1080p", duration=6, callback_url=hook)
    queued = create_task(carol, image_url=url, resolution="1080p", duration=2)
    # The render's own pace, measured now on this (shared, busy) machine: the time the rest of
    # it would take is the yardstick for "stopped at once", instead of a wall-clock constant.
    first = wait_until(carol, running, lambda t: t["status"] == "TASK_PROCESSING" and t["progress"] > 8, timeout=60)
    first_at = time.monotonic()
    later = wait_until(carol, running, lambda t: t["progress"] >= first["progress"] + 4, timeout=60)
    pace = (later["progress"] - first["progress"]) / (time.monotonic() - first_at)  # percent per second
    rest_of_render = (100 - later["progress"]) / pace

    waiting = get_task(carol, queued)
    assert waiting["status"] == "TASK_PENDING" and waiting["queue_position"] >= 1
    # Cancel both at once, before the long render can finish; check the outcomes afterwards.
    dropped_response = carol.post(f"{TASKS}/{queued}/cancel")
    stopped_response = carol.post(f"{TASKS}/{running}/cancel")
    started = time.monotonic()
    # The render stops at its next frame: the only worker takes a new task at once, while the
    # rest of a 6 s 1080p render would take far longer.
    after = create_task(carol, image_url=url)
    wait_until(carol, after, lambda t: t["status"] != "TASK_PENDING", timeout=30)
    assert time.monotonic() - started < rest_of_render / 2, (time.monotonic() - started, rest_of_render)
    assert dropped_response.status_code == 200 and stopped_response.status_code == 200, stopped_response.text
    for task in (dropped_response.json()["data"], get_task(carol, running)):
        assert task["status"] == "TASK_FAILED" and task["cancelled"] is True and task["failure_code"] == 5003
        assert "queue_position" not in task
    assert ledger_rows(control_server, "carol", queued) == {"reserve": -4, "refund": 4}
    assert ledger_rows(control_server, "carol", running) == {"reserve": -12, "refund": 12}
    payload = receiver.wait_for("/cancelled", 1, timeout=10)[0].json()
    assert payload["status"] == "TASK_FAILED" and payload["cancelled"] is True and payload["failure_code"] == 5003
    assert get_task(carol, running)["progress"] < 100 and "video_url" not in get_task(carol, running)
    videos = control_server.data_dir / "videos"
    assert not list(videos.glob(f"*{running}*")), "a cancelled render leaves no file behind"

    # Finished tasks cannot be cancelled; unknown and foreign ones are not found.
    again = carol.post(f"{TASKS}/{running}/cancel")
    assert again.status_code == 409 and again.json()["code"] == 1201
    assert carol.post(f"{TASKS}/00000000-0000-4000-8000-000000000000/cancel").json()["code"] == 1200
    with control_server.client_for("dave") as dave:
        assert dave.post(f"{TASKS}/{after}/cancel").status_code == 404
    wait_for_task(carol, after)


def test_list_is_newest_first_paginated_and_filtered(control_server: KeyedServer, image_host: Any) -> None:
    key = control_server.create_key("gina")
    with control_server.client(key["api_key"]) as gina:
        made = [create_task(gina, image_url=image_host.url("/nowhere.jpg")) for _ in range(5)]
        for task_id in made:
            wait_for_task(gina, task_id)
        seen: list[str] = []
        cursor = None
        for _ in range(3):
            params = {"limit": "2", **({"cursor": cursor} if cursor else {})}
            page = gina.get(TASKS, params=params).json()["data"]
            seen += [task["task_id"] for task in page["tasks"]]
            cursor = page["next_cursor"]
        assert seen == made[::-1] and cursor is None
        failed = gina.get(TASKS, params={"status": "TASK_FAILED"}).json()["data"]["tasks"]
        assert [t["task_id"] for t in failed] == made[::-1]
        assert gina.get(TASKS, params={"status": "TASK_SUCCEEDED"}).json()["data"] == {"tasks": [], "next_cursor": None}
        for bad in ({"status": "done"}, {"cursor": "bm90LWEtY3Vyc29y"}, {"limit": "0"}, {"limit": "x"}):
            response = gina.get(TASKS, params=bad)
            assert response.status_code == 400 and response.json()["code"] == 1000, (bad, response.text)
    with control_server.client_for("dave") as dave:
        assert not set(made) & {t["task_id"] for t in dave.get(TASKS, params={"limit": "100"}).json()["data"]["tasks"]}


def test_idempotency_key_replays_the_task_and_charges_once(control_server: KeyedServer, image_host: Any) -> None:
    key = control_server.create_key("hana", credits=100)
    body = {"model_name": "bach-1.0-preview", "image_url": image_host.url("/nowhere.jpg"), "resolution": "720p",
            "duration": 3}
    with control_server.client(key["api_key"]) as hana:
        first = hana.post(TASKS, json=body, headers={"Idempotency-Key": "order-42"})
        reordered = dict(reversed(list(body.items())))
        second = hana.post(TASKS, json=reordered, headers={"Idempotency-Key": "order-42"})
        assert first.status_code == second.status_code == 200, second.text
        assert first.json()["data"] == second.json()["data"]
        assert second.headers.get("idempotent-replayed") == "true"
        task_id = first.json()["data"]["task_id"]

        conflict = hana.post(TASKS, json={**body, "duration": 4}, headers={"Idempotency-Key": "order-42"})
        assert conflict.status_code == 409 and conflict.json()["code"] == 1202, conflict.text
        other = hana.post(TASKS, json=body, headers={"Idempotency-Key": "order-43"}).json()["data"]["task_id"]
        assert other != task_id
        plain = [hana.post(TASKS, json=body).json()["data"]["task_id"] for _ in range(2)]
        assert len(set(plain)) == 2
        wait_for_task(hana, task_id)
    # One reservation for the two identical requests, refunded once when the task failed.
    assert ledger_rows(control_server, "hana", task_id) == {"reserve": -3, "refund": 3}


def test_retention_deletes_the_video_and_get_says_so(
    control_server: KeyedServer, carol: httpx.Client, image_host: Any
) -> None:
    task = wait_for_task(carol, create_task(carol, image_url=image_host.url("/landscape.jpg")))
    assert task["status"] == "TASK_SUCCEEDED", task
    assert task["expires_at"] - task["completed_at"] in (2, 3, 4)  # 3 s retention, whole seconds
    gone = wait_until(carol, task["task_id"], lambda t: t.get("video_deleted") is True, timeout=15)
    assert "expired" in gone["message"] and gone["status"] == "TASK_SUCCEEDED"
    assert httpx.get(task["video_url"]).status_code == 404


def test_a_revoked_key_stops_working_within_the_cache_time(control_server: KeyedServer) -> None:
    """`keys revoke` runs in another process: the server's cached credential lives on for at most
    STILLMOTION_AUTH_CACHE_SECONDS (1 s here), then every request with the key is refused."""
    key = control_server.create_key("judy")
    cache_seconds = float(CONTROL_ENV["STILLMOTION_AUTH_CACHE_SECONDS"])
    with control_server.client(key["api_key"]) as judy:
        assert judy.get(TASKS).status_code == 200  # cached from here on
        control_server.cli("keys", "revoke", key["access_key"])
        revoked_at = time.monotonic()
        while (response := judy.get(TASKS)).status_code == 200:
            assert time.monotonic() - revoked_at <= cache_seconds + 2.0, "a revoked key outlived the cache time"
            time.sleep(0.05)
        assert response.status_code == 401 and response.json()["code"] == 1101
        time.sleep(cache_seconds + 0.2)  # nothing brings it back: an unknown or revoked key is never cached
        assert judy.get(TASKS).status_code == 401
