"""Servers for the control tests: short webhook backoff, one worker (so tasks queue), short retention."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.control.receivers import WebhookReceiver
from tests.support.keyed_server import KeyedServer
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


@pytest.fixture(scope="session")
def receiver() -> Iterator[WebhookReceiver]:
    host = WebhookReceiver()
    yield host
    host.close()


@pytest.fixture(scope="session")
def control_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    process = KeyedServer(tmp_path_factory.mktemp("control"), ("carol", "dave"), **CONTROL_ENV)
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
