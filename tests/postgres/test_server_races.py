"""Two real servers on one PostgreSQL database, each with its API and its workers, racing for the same
account's credits and the same tasks: no overdraw, every task claimed once, charged or refunded once."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import TERMINAL
from tests.control.conftest import ledger
from tests.support.postgres import fresh_database
from tests.support.servers import ServerProcess
from tests.support.tasks import TASKS

CREDITS = 16
CREATES_PER_SERVER = 16


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[tuple[ServerProcess, ServerProcess]]:
    # Sweepers look every 3 s for pending tasks, so each server also reaches for the other's tasks.
    with fresh_database() as url:
        # No rate limit: the poll below reads 16 tasks four times a second, for as long as a loaded
        # machine takes to render them.
        env = {"STILLMOTION_DATABASE_URL": url, "STILLMOTION_WORKERS": "2", "STILLMOTION_LEASE_SECONDS": "6",
               "STILLMOTION_RATE_LIMIT_PER_MINUTE": "0"}
        servers = (ServerProcess(tmp_path / "a", **env), ServerProcess(tmp_path / "b", **env))
        try:
            for server in servers:
                server.start()
            yield servers
        finally:
            for server in servers:
                server.stop()


async def race(servers: tuple[ServerProcess, ...], api_key: str, body: dict[str, Any]) -> list[httpx.Response]:
    headers = {"Authorization": f"Bearer {api_key}"}
    clients = [httpx.AsyncClient(base_url=s.base_url, headers=headers, timeout=60) for s in servers]
    try:
        return await asyncio.gather(*(client.post(TASKS, json=body) for client in clients
                                      for _ in range(CREATES_PER_SERVER)))  # fmt: skip
    finally:
        for client in clients:
            await client.aclose()


async def wait_all(server: ServerProcess, api_key: str, task_ids: list[str], cancel: set[str]) -> dict[str, str]:
    """Cancel `cancel` through this server while the tasks run, then wait for every task to end."""
    headers = {"Authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=60) as client:
        for task_id in cancel:
            assert (await client.post(f"{TASKS}/{task_id}/cancel")).status_code in (200, 409)
        for _ in range(1200):
            answers = {tid: (await client.get(f"{TASKS}/{tid}")).json() for tid in task_ids}
            assert all(answer["code"] == 200 for answer in answers.values()), answers
            statuses = {tid: answer["data"]["status"] for tid, answer in answers.items()}
            if set(statuses.values()) <= TERMINAL:
                return statuses
            await asyncio.sleep(0.25)
    raise AssertionError(f"tasks did not end: {statuses}")


async def task_rows(url: str, task_ids: list[str]) -> list[asyncpg.Record]:
    connection = await asyncpg.connect(make_url(url).set(drivername="postgresql").render_as_string(False))
    try:
        return await connection.fetch("SELECT id, attempts, worker_id, credit_state, status FROM tasks "
                                      "WHERE id = ANY($1::text[])", task_ids)  # fmt: skip
    finally:
        await connection.close()


def test_two_servers_share_one_database_safely(
    two_servers: tuple[ServerProcess, ServerProcess], image_host: Any
) -> None:
    first, second = two_servers
    key = first.create_key("zoe", credits=CREDITS)
    body = {"model_name": "bach-1.0-preview", "image_url": image_host.url("/landscape.jpg"),
            "resolution": "720p", "duration": 1}  # fmt: skip
    responses = asyncio.run(race(two_servers, key["api_key"], body))
    outcome = Counter((r.status_code, r.json()["code"]) for r in responses)
    assert outcome == {(200, 200): CREDITS, (403, 1302): 2 * CREATES_PER_SERVER - CREDITS}, outcome

    created = [r.json()["data"]["task_id"] for r in responses if r.status_code == 200]
    cancel = set(random.Random(2).sample(created, 4))
    statuses = asyncio.run(wait_all(second, key["api_key"], created, cancel))

    rows = asyncio.run(task_rows(first.env["STILLMOTION_DATABASE_URL"], created))
    # Claimed once (a task cancelled while queued was never claimed).
    assert all(row["attempts"] == (1 if row["worker_id"] else 0) for row in rows), [dict(row) for row in rows]
    renderers = {row["worker_id"] for row in rows if row["worker_id"]}
    assert len(renderers) == 2, f"both servers' workers should have rendered: {renderers}"

    book = ledger(first, "zoe")
    charged = 0
    for row in rows:
        reasons = sorted(entry["reason"] for entry in book["entries"] if entry["task_id"] == row["id"])
        if statuses[row["id"]] == "TASK_SUCCEEDED":
            assert reasons == ["charge", "reserve"] and row["credit_state"] == "charged"
            charged += 1
        else:
            assert reasons == ["refund", "reserve"] and row["credit_state"] == "refunded"
    assert book["credits"] == CREDITS - charged
    assert sum(entry["delta"] for entry in book["entries"]) == book["credits"]
