"""Faults in the distributed deployment, against the real services: a worker killed or stopped
mid-render, the broker down while clients create, the API restarted under running workers."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from stillmotion.tasks.credits import task_cost
from tests.conftest import create_task, wait_for_task
from tests.control.conftest import deliveries, ledger_rows
from tests.control.receivers import WebhookReceiver, always
from tests.distributed.conftest import holder
from tests.support.distributed import PrivateRedis, distributed
from tests.support.images import encode, landscape
from tests.support.servers import ImageHost
from tests.support.tasks import TASKS, get_task, wait_until_rendering

FAST_RECLAIM = {
    # Short enough for a quick reclaim, long enough that a loaded machine never lets a live lease lapse.
    "STILLMOTION_LEASE_SECONDS": "5",
    "STILLMOTION_WEBHOOK_POLL_SECONDS": "0.1",
}


def long_render(image_host: ImageHost, name: str, seed: int) -> str:
    return image_host.add(f"/{name}.jpg", encode(landscape(1920, 1080, seed=seed)), "image/jpeg")


def test_kill_9_of_a_worker_mid_render_another_finishes_it_once(tmp_path: Path, image_host: ImageHost) -> None:
    receiver = WebhookReceiver()
    callback = receiver.route("/killed", always(200))
    try:
        with distributed(tmp_path, ("gina",), **FAST_RECLAIM) as deployment:
            workers = [deployment.worker().start(), deployment.worker().start()]
            with deployment.api.client_for("gina") as client:
                task_id = create_task(client, image_url=long_render(image_host, "kill", 31), resolution="1080p",
                                      duration=3, callback_url=callback)  # fmt: skip
                wait_until_rendering(client, task_id)
                holder(workers, task_id).kill()
                task = wait_for_task(client, task_id, timeout=240)
            assert task["status"] == "TASK_SUCCEEDED", task
            assert deployment.query("SELECT attempts FROM tasks WHERE id = $1", task_id) == [(2,)]
            assert ledger_rows(deployment.api, "gina", task_id) == {"reserve": -task_cost("1080p", 3, False), "charge": 0}
            calls = receiver.wait_for("/killed", 1, timeout=30)
            time.sleep(2)  # a second event, if there were one, would come within this
            assert len(receiver.calls_to("/killed")) == 1
            rows = [row for row in deliveries(deployment.api) if row["task_id"] == task_id]
            assert [row["id"] for row in rows] == [calls[0].headers["webhook-id"]]
            assert calls[0].json()["status"] == "TASK_SUCCEEDED"
            assert calls[0].json()["video_url"].endswith(f"/{task_id}.mp4")
            videos = sorted(path.name for path in (deployment.root / "data" / "videos").iterdir())
            assert videos == [f"{task_id}.mp4"]
            assert list((deployment.root / "data" / "scratch").iterdir()) == []  # the killed render's file too
    finally:
        receiver.close()


def test_sigterm_hands_a_running_task_back_without_using_an_attempt(tmp_path: Path, image_host: ImageHost) -> None:
    # One attempt allowed: a stop that used it up would fail the task with 5004.
    with distributed(tmp_path, ("hana",), STILLMOTION_MAX_ATTEMPTS="1", STILLMOTION_SHUTDOWN_GRACE_SECONDS="0",
                     **FAST_RECLAIM) as deployment:  # fmt: skip
        first = deployment.worker().start()
        with deployment.api.client_for("hana") as client:
            task_id = create_task(client, image_url=long_render(image_host, "term", 32), resolution="1080p", duration=3)
            wait_until_rendering(client, task_id)
            first.signal(signal.SIGTERM)
            started = time.monotonic()
            assert first.wait(30) == 0
            stopped_in = time.monotonic() - started
            assert get_task(client, task_id)["status"] == "TASK_PENDING"
            deployment.worker().start()
            task = wait_for_task(client, task_id, timeout=180)
        assert task["status"] == "TASK_SUCCEEDED", task
        assert deployment.query("SELECT attempts FROM tasks WHERE id = $1", task_id) == [(1,)]
        assert f"task {task_id}: handed back to the queue" in first.log()
        assert stopped_in < 15, f"a stop with no grace took {stopped_in:.1f} s"


def test_sigterm_with_a_grace_period_finishes_the_task_and_takes_no_new_one(
    tmp_path: Path, image_host: ImageHost
) -> None:
    with distributed(tmp_path, ("ines",), STILLMOTION_SHUTDOWN_GRACE_SECONDS="120", **FAST_RECLAIM) as deployment:
        only = deployment.worker().start()
        with deployment.api.client_for("ines") as client:
            running = create_task(client, image_url=long_render(image_host, "grace", 33), resolution="1080p", duration=3)
            queued = create_task(client, image_url=long_render(image_host, "grace", 33), duration=1)
            wait_until_rendering(client, running)
            only.signal(signal.SIGTERM)
            assert only.wait(150) == 0
            assert get_task(client, running)["status"] == "TASK_SUCCEEDED"
            assert get_task(client, queued)["status"] == "TASK_PENDING"
            deployment.worker().start()
            assert wait_for_task(client, queued, timeout=120)["status"] == "TASK_SUCCEEDED"
        assert deployment.query("SELECT attempts FROM tasks WHERE id = $1", running) == [(1,)]


def test_restarting_the_api_leaves_running_tasks_alone(tmp_path: Path, image_host: ImageHost) -> None:
    with distributed(tmp_path, ("jack",), **FAST_RECLAIM) as deployment:
        deployment.worker().start()
        with deployment.api.client_for("jack") as client:
            task_id = create_task(client, image_url=long_render(image_host, "api", 34), resolution="1080p", duration=4)
            wait_until_rendering(client, task_id)
        deployment.api.stop()
        deployment.api.start()
        with deployment.api.client_for("jack") as client:
            task = wait_for_task(client, task_id, timeout=180)
        assert task["status"] == "TASK_SUCCEEDED", task
        assert deployment.query("SELECT attempts FROM tasks WHERE id = $1", task_id) == [(1,)]


def test_redis_down_for_10_s_while_clients_create(tmp_path: Path, image_host: ImageHost) -> None:
    """Each create succeeds or answers 503/5001; every accepted task completes once Redis is back.
    Redis drops while the worker renders (its message unacknowledged): the worker reconnects by
    itself, and the tasks created meanwhile are sent again by the reclaim sweep."""
    broker = PrivateRedis(tmp_path / "redis")
    broker.start()
    url = image_host.add("/outage.jpg", encode(landscape(1280, 720, seed=35)), "image/jpeg")
    answers: list[tuple[int, dict[str, Any]]] = []
    try:
        with distributed(tmp_path, ("kate",), STILLMOTION_BROKER_URL=broker.url, STILLMOTION_REDISPATCH_SECONDS="3",
                         STILLMOTION_MAX_ACTIVE_TASKS="0", **FAST_RECLAIM) as deployment:  # fmt: skip
            worker = deployment.worker("--concurrency", "2").start()
            with deployment.api.client_for("kate") as client:
                rendering = create_task(client, image_url=long_render(image_host, "outage", 35), resolution="1080p",
                                        duration=4)  # fmt: skip
                wait_until_rendering(client, rendering)
            stop = threading.Event()

            def keep_creating() -> None:
                with deployment.api.client_for("kate") as client:
                    while not stop.is_set():
                        try:
                            response = client.post(TASKS, json={"model_name": "bach-1.0-preview", "image_url": url,
                                                                 "resolution": "720p", "duration": 1})  # fmt: skip
                        except httpx.HTTPError as exc:
                            raise AssertionError(f"create did not answer: {exc}") from exc
                        answers.append((response.status_code, response.json()))
                        time.sleep(0.5)

            creator = threading.Thread(target=keep_creating)
            creator.start()
            broker.stop()
            time.sleep(10)
            broker.start()
            time.sleep(1)  # creates go on against the broker that is back
            stop.set()
            creator.join(timeout=60)
            assert worker.process is not None and worker.process.poll() is None, worker.log()  # it reconnected
            assert answers, "no create answered"
            for status, body in answers:
                assert (status, body["code"]) in ((200, 200), (503, 5001)), body
            accepted = [rendering] + [body["data"]["task_id"] for status, body in answers if status == 200]
            with deployment.api.client_for("kate") as client:
                outcomes = [wait_for_task(client, task_id, timeout=240)["status"] for task_id in accepted]
            assert outcomes == ["TASK_SUCCEEDED"] * len(accepted)
            assert "Unrecoverable error" not in worker.log()
    finally:
        broker.stop()
