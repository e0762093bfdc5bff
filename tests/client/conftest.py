"""One server for the SDK, OpenAI-client and client-command tests, with accounts for each case."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.images import encode, landscape
from tests.support.keyed_server import KeyedServer

# Two tasks at once per account, so a third answers 1303 with Retry-After (RateLimited).
CLIENT_ENV = {
    "STILLMOTION_WORKERS": "2",
    "STILLMOTION_MAX_ACTIVE_TASKS": "2",
    "STILLMOTION_WEBHOOK_POLL_SECONDS": "0.1",
}


@pytest.fixture(scope="session")
def client_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    accounts = ("sdk", "async", "openai", "cli", "busy", "lister")
    process = KeyedServer(tmp_path_factory.mktemp("client"), accounts, **CLIENT_ENV)
    process.keys["poor"] = process.create_key("poor", credits=1)
    with process.running():
        yield process


@pytest.fixture(scope="session")
def photo(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A 16:9 photo-like JPEG (so the video is 1280x720 at 720p)."""
    return encode(landscape(960, 540))
