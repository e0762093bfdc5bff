"""Shared fixtures: one real stillmotion server and one real image host per test session."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.support.images import encode, landscape
from tests.support.servers import ImageHost, ServerProcess

TERMINAL = {"TASK_SUCCEEDED", "TASK_FAILED"}


@pytest.fixture(scope="session")
def image_host() -> Iterator[ImageHost]:
    host = ImageHost()
    host.add("/landscape.jpg", encode(landscape(960, 540)), "image/jpeg")
    yield host
    host.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    process = ServerProcess(tmp_path_factory.mktemp("server"), STILLMOTION_WORKERS="2")
    process.keys = {name: process.create_key(name) for name in ("alice", "bob")}  # type: ignore[attr-defined]
    process.start()
    yield process
    process.stop()


@pytest.fixture
def alice(server: ServerProcess) -> Iterator[httpx.Client]:
    with server.client(server.keys["alice"]["api_key"]) as client:  # type: ignore[attr-defined]
        yield client


@pytest.fixture
def bob(server: ServerProcess) -> Iterator[httpx.Client]:
    with server.client(server.keys["bob"]["api_key"]) as client:  # type: ignore[attr-defined]
        yield client


def wait_for_task(client: httpx.Client, task_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/vdr/videos/image2video/{task_id}").json()
        assert body["code"] == 200, body
        if body["data"]["status"] in TERMINAL:
            return body["data"]
        time.sleep(0.2)
    raise AssertionError(f"task {task_id} not finished after {timeout} s: {body}")


def create_task(client: httpx.Client, **fields: Any) -> str:
    payload = {"model_name": "bach-1.0-preview", "resolution": "720p", "duration": 1, **fields}
    response = client.post("/api/vdr/videos/image2video", json=payload)
    assert response.status_code == 200, response.text
    return response.json()["data"]["task_id"]
