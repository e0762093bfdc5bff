"""Shared fixtures: one real stillmotion server and one real image host per test session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.images import encode, landscape
from tests.support.keyed_server import KeyedServer
from tests.support.servers import ImageHost
from tests.support.tasks import TASKS, wait_until

TERMINAL = {"TASK_SUCCEEDED", "TASK_FAILED"}


@pytest.fixture(scope="session")
def image_host() -> Iterator[ImageHost]:
    host = ImageHost()
    host.add("/landscape.jpg", encode(landscape(960, 540)), "image/jpeg")
    yield host
    host.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    process = KeyedServer(tmp_path_factory.mktemp("server"), ("alice", "bob"), STILLMOTION_WORKERS="2")
    with process.running():
        yield process


@pytest.fixture
def alice(server: KeyedServer) -> Iterator[httpx.Client]:
    with server.client_for("alice") as client:
        yield client


@pytest.fixture
def bob(server: KeyedServer) -> Iterator[httpx.Client]:
    with server.client_for("bob") as client:
        yield client


def wait_for_task(client: httpx.Client, task_id: str, timeout: float = 120.0) -> dict[str, Any]:
    """The task once it has succeeded or failed."""
    return wait_until(client, task_id, lambda task: task["status"] in TERMINAL, timeout)


def create_task(client: httpx.Client, **fields: Any) -> str:
    payload = {"model_name": "bach-1.0-preview", "resolution": "720p", "duration": 1, **fields}
    response = client.post(TASKS, json=payload)
    assert response.status_code == 200, response.text
    return response.json()["data"]["task_id"]
