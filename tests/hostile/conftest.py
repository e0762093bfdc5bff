"""One real server per database for the hostile-input suite: SQLite, and a fresh PostgreSQL
database on the machine's server. `server` overrides the session server of tests/conftest.py
here, so `alice` and every test that takes it run against both,
because what a database cannot hold (NUL, unpaired surrogates) differs between them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.keyed_server import KeyedServer
from tests.support.postgres import STORES, store_env

# Short enough that a slow-drip image host is cut off within the test's patience.
FETCH_TOTAL_TIMEOUT = "3"


@pytest.fixture(scope="package", params=STORES)
def server(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    """The server, with accounts `alice` and `bob`, on the parametrised database."""
    with store_env(request.param) as env:
        data_dir: Path = tmp_path_factory.mktemp(f"hostile-{request.param}")
        server = KeyedServer(data_dir, ("alice", "bob"), STILLMOTION_FETCH_TOTAL_TIMEOUT=FETCH_TOTAL_TIMEOUT,
                             STILLMOTION_RATE_LIMIT_PER_MINUTE="0", **env)  # fmt: skip
        with server.running():
            yield server


@pytest.fixture
def anonymous(server: KeyedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client
