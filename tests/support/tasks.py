"""Reading and polling one task through the public API, as a client would; a task row for tests
that drive the store directly."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx

from stillmotion.tasks.models import Task

TASKS = "/api/vdr/videos/image2video"
# Often enough that a test sees a state change at once, rarely enough not to load the server.
POLL_SECONDS = 0.1


def get_task(client: httpx.Client, task_id: str) -> dict[str, Any]:
    """The task's `data`, asserting the envelope says 200."""
    body = client.get(f"{TASKS}/{task_id}").json()
    assert body["code"] == 200, body
    return body["data"]


def wait_until(
    client: httpx.Client, task_id: str, check: Callable[[dict[str, Any]], bool], timeout: float
) -> dict[str, Any]:
    """The task as soon as `check` holds for it; AssertionError with its last state after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        task = get_task(client, task_id)
        if check(task):
            return task
        if time.monotonic() >= deadline:
            raise AssertionError(f"task {task_id}: condition not met after {timeout} s: {task}")
        time.sleep(POLL_SECONDS)


def wait_until_rendering(client: httpx.Client, task_id: str, progress: int = 15, timeout: float = 90) -> dict[str, Any]:
    """The task once a worker has rendered `progress`% of it (as the API reports it); a test that
    stops or kills the worker then does it mid-render."""
    return wait_until(
        client, task_id, lambda task: _still_active(task) and task["progress"] >= progress, timeout
    )


def _still_active(task: dict[str, Any]) -> bool:
    assert task["status"] in ("TASK_PENDING", "TASK_PROCESSING"), task
    return task["status"] == "TASK_PROCESSING"


def new_task(account_id: int) -> Task:
    """A task row as a create would store it, for tests that drive the store directly."""
    return Task(account_id=account_id, model_name="bach-1.0-preview", image_url="https://example.com/a.jpg",
                resolution="720p", duration=1, fps=30, cfg_scale=5.0, enhance_prompt=False, generate_audio=False,
                seed=1, seed_requested=True, enable_moderation=False)  # fmt: skip
