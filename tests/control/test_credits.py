"""The credits ledger through the real server: atomic reservation under concurrency (SQLite and
PostgreSQL), charge exactly once on success, refund on failure, and credits switched off."""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

import httpx
import pytest

from tests.conftest import create_task, wait_for_task
from tests.control.conftest import ledger, ledger_rows
from tests.support.servers import ServerProcess

CREATE = "/api/vdr/videos/image2video"
CONCURRENT_CREATES = 50
BALANCE = 10  # each create costs 1 (720p, 1 s): exactly 10 may pass


async def _race(base_url: str, api_key: str, body: dict[str, Any]) -> list[httpx.Response]:
    """Fire all creates at once."""
    async with httpx.AsyncClient(base_url=base_url, headers={"Authorization": f"Bearer {api_key}"},
                                 timeout=60) as client:  # fmt: skip
        return await asyncio.gather(*(client.post(CREATE, json=body) for _ in range(CONCURRENT_CREATES)))


def assert_exactly_balance_passes(server: ServerProcess, image_url: str) -> None:
    """A renderable image: no task can fail (and be refunded) while the race runs, so the
    balance right after it is exactly what the reservations left."""
    key = server.create_key("racer", credits=BALANCE)
    body = {"model_name": "bach-1.0-preview", "image_url": image_url, "resolution": "720p", "duration": 1}
    responses = asyncio.run(_race(server.base_url, key["api_key"], body))
    outcome = Counter((r.status_code, r.json()["code"]) for r in responses)
    assert outcome == {(200, 200): BALANCE, (403, 1302): CONCURRENT_CREATES - BALANCE}, outcome
    assert all(r.json()["message"] == "Insufficient credit package." for r in responses if r.status_code == 403)
    book = ledger(server, "racer")
    assert book["credits"] == 0
    reservations = [row for row in book["entries"] if row["reason"] == "reserve"]
    assert len(reservations) == BALANCE and all(row["delta"] == -1 for row in reservations)

    # Free the worker for the next tests; every reservation then ends charged or refunded, once.
    created = [r.json()["data"]["task_id"] for r in responses if r.status_code == 200]
    with server.client(key["api_key"]) as client:
        for task_id in created:
            client.post(f"{CREATE}/{task_id}/cancel")
    book = ledger(server, "racer")
    for task_id in created:
        reasons = sorted(row["reason"] for row in book["entries"] if row["task_id"] == task_id)
        assert reasons in (["charge", "reserve"], ["refund", "reserve"]), (task_id, reasons)
    assert sum(row["delta"] for row in book["entries"]) == book["credits"]


def test_concurrent_creates_never_overdraw(control_server: ServerProcess, image_host: Any) -> None:
    """On each store the control suite runs on (SQLite, PostgreSQL)."""
    assert_exactly_balance_passes(control_server, image_host.url("/landscape.jpg"))


def test_success_is_charged_once_and_failure_refunded(
    control_server: ServerProcess, image_host: Any
) -> None:
    key = control_server.create_key("ivan", credits=5)
    with control_server.client(key["api_key"]) as ivan:
        good = create_task(ivan, image_url=image_host.url("/landscape.jpg"), resolution="1080p", duration=1)
        bad = create_task(ivan, image_url=image_host.url("/nowhere.jpg"), resolution="720p", duration=2)
        assert wait_for_task(ivan, good)["status"] == "TASK_SUCCEEDED"
        assert wait_for_task(ivan, bad)["status"] == "TASK_FAILED"
        # Now 3 left: a 720p 2 s task with audio costs 2 + 1 = 3; one more credit is too many.
        too_much = ivan.post(CREATE, json={"model_name": "bach-1.0-preview", "image_url": image_host.url("/nowhere.jpg"),
                                           "resolution": "720p", "duration": 4})
        assert too_much.status_code == 403 and too_much.json() == {
            "code": 1302, "message": "Insufficient credit package.", "data": None}
    assert ledger_rows(control_server, "ivan", good) == {"reserve": -2, "charge": 0}
    assert ledger_rows(control_server, "ivan", bad) == {"reserve": -2, "refund": 2}
    assert ledger(control_server, "ivan")["credits"] == 3
