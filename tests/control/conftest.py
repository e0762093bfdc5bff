"""Servers for the control tests: short webhook backoff, one worker (so tasks queue), short retention."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.control.receivers import WebhookReceiver
from tests.support.keyed_server import KeyedServer
from tests.support.postgres import STORES, store_env
from tests.support.servers import ServerProcess

# Backoff base for tests: retries after 0.4, 0.8, 1.6 s (defaults: 10, 20, 40 s).
TEST_BACKOFF = 0.4
CONTROL_ENV = {
    "STILLMOTION_WORKERS": "1",
    "STILLMOTION_WEBHOOK_BACKOFF_SECONDS": str(TEST_BACKOFF),
    "STILLMOTION_WEBHOOK_POLL_SECONDS": "0.1",
    "STILLMOTION_VIDEO_RETENTION_HOURS": str(3 / 3600),  # 3 s
    "STILLMOTION_HOUSEKEEPING_SECONDS": "0.5",
    "STILLMOTION_AUTH_CACHE_SECONDS": "1",
}


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    """One per test: routes keep their calls and their scripted failures, and every test runs
    once per store, so a shared receiver would hand the second run the first one's history."""
    host = WebhookReceiver()
    yield host
    host.close()


@pytest.fixture(scope="package", params=STORES)
def control_server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    """Every control test runs on SQLite and on a fresh PostgreSQL database: credits, limits,
    cancel, idempotency and webhook deliveries are all transactions whose locking differs."""
    with store_env(request.param) as env:
        process = KeyedServer(tmp_path_factory.mktemp(f"control-{request.param}"), ("carol", "dave"),
                              **CONTROL_ENV, **env)  # fmt: skip
        with process.running():
            yield process


@pytest.fixture
def carol(control_server: KeyedServer) -> Iterator[httpx.Client]:
    with control_server.client_for("carol") as client:
        yield client


def ledger(server: ServerProcess, account: str) -> dict[str, Any]:
    """`stillmotion credits show --json`: the balance and the ledger rows, newest first."""
    return json.loads(server.cli("credits", "show", account, "--json", "--last", "1000"))


def ledger_rows(server: ServerProcess, account: str, task_id: str) -> dict[str, int]:
    """reason -> delta of one task's ledger rows."""
    return {row["reason"]: row["delta"] for row in ledger(server, account)["entries"] if row["task_id"] == task_id}


def deliveries(server: ServerProcess) -> list[dict[str, Any]]:
    out = server.cli("webhooks", "list", "--json", "--limit", "1000")
    return [json.loads(line) for line in out.splitlines() if line.strip()]
