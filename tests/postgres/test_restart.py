"""Restart PostgreSQL under running servers (embedded, and distributed: API role and Celery worker):
the API and the workers reconnect by themselves.

Runs against a private cluster the test starts on a free port (never the machine's shared server),
so it can be stopped and restarted at will.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import create_task, wait_for_task
from tests.control.conftest import ledger_rows
from tests.support.distributed import distributed
from tests.support.keyed_server import KeyedServer
from tests.support.private_postgres import PrivatePostgres
from tests.support.tasks import TASKS, wait_until


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivatePostgres]:
    postgres = PrivatePostgres()
    try:
        yield postgres
    finally:
        postgres.close()


@pytest.fixture(scope="module")
def server(cluster: PrivatePostgres, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    # Background loops that poll the database rarely, so the requests right after a restart are the
    # first to meet the cut connections (a loop meeting one first would make the pool drop them all).
    process = KeyedServer(tmp_path_factory.mktemp("restart"), ("erin",), STILLMOTION_DATABASE_URL=cluster.url,
                          STILLMOTION_WORKERS="1", STILLMOTION_LEASE_SECONDS="120",
                          STILLMOTION_WEBHOOK_POLL_SECONDS="120", STILLMOTION_HOUSEKEEPING_SECONDS="120")  # fmt: skip
    with process.running():
        yield process


@pytest.fixture
def erin(server: KeyedServer) -> Iterator[httpx.Client]:
    """The account's client; the module's tests share the server, one at a time."""
    client = server.client_for("erin")
    yield client
    client.close()


async def burst(server: KeyedServer, count: int, task_id: str) -> list[str]:
    """`count` GETs of the task at once, so as many pooled connections are in use; their statuses."""
    headers = {"Authorization": f"Bearer {server.keys['erin']['api_key']}"}
    async with httpx.AsyncClient(base_url=server.base_url, headers=headers, timeout=30) as client:
        answers = await asyncio.gather(*(client.get(f"{TASKS}/{task_id}") for _ in range(count)))
    return [answer.json()["data"]["status"] if answer.status_code == 200 else answer.text for answer in answers]


def test_api_and_worker_reconnect_after_a_restart(
    cluster: PrivatePostgres, server: KeyedServer, erin: httpx.Client, image_host: Any
) -> None:
    image = image_host.url("/landscape.jpg")
    before = create_task(erin, image_url=image)
    assert wait_for_task(erin, before)["status"] == "TASK_SUCCEEDED"
    asyncio.run(burst(server, 10, before))  # ten pooled connections
    cluster.restart()  # every pooled connection of the API and the worker is cut
    # The very first requests after the restart are served: dead connections are replaced at checkout.
    assert asyncio.run(burst(server, 10, before)) == ["TASK_SUCCEEDED"] * 10
    after = create_task(erin, image_url=image)
    assert wait_for_task(erin, after)["status"] == "TASK_SUCCEEDED"
    assert ledger_rows(server, "erin", after) == {"reserve": -1, "charge": 0}


def test_a_render_in_flight_survives_a_restart(
    cluster: PrivatePostgres, server: KeyedServer, erin: httpx.Client, image_host: Any
) -> None:
    """The worker's heartbeat fails while the server is down; the render goes on, the next heartbeat
    reconnects, and the task succeeds on its first attempt, charged once."""
    task_id = create_task(erin, image_url=image_host.url("/landscape.jpg"), duration=5)
    wait_until(erin, task_id, lambda task: task["status"] == "TASK_PROCESSING" and task["progress"] > 0, 120)
    cluster.stop()
    time.sleep(1.5)  # several heartbeats fail
    cluster.start()
    done = wait_for_task(erin, task_id)
    assert done["status"] == "TASK_SUCCEEDED", done
    assert ledger_rows(server, "erin", task_id) == {"reserve": -5, "charge": 0}
    log = server.log_path.read_text()
    assert f"task {task_id}: attempt 2" not in log


def test_requests_while_the_database_is_down_answer_503(
    cluster: PrivatePostgres, erin: httpx.Client, image_host: Any
) -> None:
    """While PostgreSQL is away the API answers 503/5001 with Retry-After (never a 500), and serves
    again as soon as it is back, without a restart."""
    known = create_task(erin, image_url=image_host.url("/landscape.jpg"))
    cluster.stop()
    try:
        read = erin.get(f"{TASKS}/{known}")
        write = erin.post(TASKS, json={"model_name": "bach-1.0-preview", "resolution": "720p", "duration": 1,
                                       "image_url": image_host.url("/landscape.jpg")})  # fmt: skip
    finally:
        cluster.start()
    for response in (read, write):
        assert response.status_code == 503, response.text
        assert response.json()["code"] == 5001 and response.headers["Retry-After"]
    assert wait_for_task(erin, known)["status"] == "TASK_SUCCEEDED"


def test_a_distributed_api_and_worker_ride_out_an_outage_and_a_restart(
    cluster: PrivatePostgres, tmp_path: Path, image_host: Any
) -> None:
    """The API role (Celery executor) and a `stillmotion worker` on their own database of the cluster:
    a worker started while PostgreSQL is down waits and then runs the queued task; after a restart
    both serve at once; a render in flight survives an outage, on its first attempt."""
    image = image_host.url("/landscape.jpg")
    with distributed(tmp_path, ("erin",), database_url=cluster.create_database("distributed"),
                     STILLMOTION_WEBHOOK_POLL_SECONDS="120", STILLMOTION_HOUSEKEEPING_SECONDS="120") as deployment:  # fmt: skip
        api = deployment.api
        with api.client_for("erin") as erin:
            queued = create_task(erin, image_url=image)  # no worker yet: it waits in Redis
            cluster.stop()
            try:
                deployment.worker().start()  # starts without the store, then keeps trying the claim
                time.sleep(3)
            finally:
                cluster.start()
            assert wait_for_task(erin, queued)["status"] == "TASK_SUCCEEDED"

            asyncio.run(burst(api, 10, queued))
            cluster.restart()
            assert asyncio.run(burst(api, 10, queued)) == ["TASK_SUCCEEDED"] * 10
            after = create_task(erin, image_url=image)
            assert wait_for_task(erin, after)["status"] == "TASK_SUCCEEDED"

            long = create_task(erin, image_url=image, duration=5)
            wait_until(erin, long, lambda task: task["status"] == "TASK_PROCESSING" and task["progress"] > 0, 120)
            cluster.stop()
            time.sleep(1.5)
            cluster.start()
            assert wait_for_task(erin, long)["status"] == "TASK_SUCCEEDED"
        attempts = dict(deployment.query("SELECT id, attempts FROM tasks"))
        assert attempts == {queued: 1, after: 1, long: 1}, attempts
        for task_id, cost in ((queued, 1), (after, 1), (long, 5)):
            assert ledger_rows(api, "erin", task_id) == {"reserve": -cost, "charge": 0}
