"""A live worker that loses its lease to another process sharing the database stops its render
and writes nothing; the other process finishes the task, once.

Two real servers on one fresh PostgreSQL database and one data directory. Server A is frozen
(SIGSTOP) mid-render, so its 2 s lease runs out while it is still alive; server B's sweeper
reclaims the task and renders it. Thawed (SIGCONT), A finds at its next heartbeat that the
lease is no longer its own and stops at the next frame."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import create_task
from tests.control.conftest import ledger_rows
from tests.support.keyed_server import KeyedServer
from tests.support.postgres import fresh_database
from tests.support.servers import ServerProcess
from tests.support.tasks import wait_until

SHARED = {"STILLMOTION_LEASE_SECONDS": "2", "STILLMOTION_MAX_ATTEMPTS": "3", "STILLMOTION_LOG_LEVEL": "INFO"}


def wait_for_log(server: ServerProcess, line: str, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = server.log_path.read_text(errors="replace")
        if line in text:
            return text
        time.sleep(0.2)
    raise AssertionError(f"{line!r} not in {server.log_path} after {timeout} s:\n{server.log_path.read_text()[-3000:]}")


@pytest.fixture
def database() -> Iterator[str]:
    with fresh_database() as url:
        yield url


def test_a_frozen_worker_loses_its_lease_and_stops(tmp_path: Path, database: str, image_host: Any) -> None:
    data = tmp_path / "shared"
    first = KeyedServer(data, ("erin",), STILLMOTION_DATABASE_URL=database, **SHARED)
    second = ServerProcess(data, STILLMOTION_DATABASE_URL=database, **SHARED)
    second.log_path = tmp_path / "second.log"
    with first.running():
        try:
            with first.client_for("erin") as client:
                task_id = create_task(client, image_url=image_host.url("/landscape.jpg"), resolution="1080p", duration=6)
                wait_until(client, task_id, lambda t: t["status"] == "TASK_PROCESSING" and t["progress"] > 3, 90)
            assert first.process is not None
            first.process.send_signal(signal.SIGSTOP)
            second.start()  # its sweeper finds the lease expired and takes the task
            wait_for_log(second, f"task {task_id} started attempt=2 ", timeout=60)
            first.process.send_signal(signal.SIGCONT)

            log = wait_for_log(first, f"task {task_id}: stopped", timeout=60)
            assert f"task {task_id}: cancelled or lease lost; stopping this attempt" in log
            with second.client(first.keys["erin"]["api_key"]) as client:
                task = wait_until(client, task_id, lambda t: t["status"] in ("TASK_SUCCEEDED", "TASK_FAILED"), 300)
            assert task["status"] == "TASK_SUCCEEDED", task
            assert f"task {task_id}: succeeded" not in first.log_path.read_text()
            assert ledger_rows(first, "erin", task_id) == {"reserve": -12, "charge": 0}
        finally:
            if first.process is not None and first.process.poll() is None:
                first.process.send_signal(signal.SIGCONT)
            second.stop()
