"""One real server per database for the hostile-input suite: SQLite, and a fresh PostgreSQL
database on the machine's server. Every test here that takes `hostile` runs against both,
because what a database cannot hold (NUL, unpaired surrogates) differs between them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.images import encode, landscape
from tests.support.keyed_server import KeyedServer
from tests.support.postgres import STORES, store_env
from tests.support.servers import ImageHost

# Short enough that a slow-drip image host is cut off within the test's patience.
FETCH_TOTAL_TIMEOUT = "3"


@pytest.fixture(scope="package")
def hostile_host() -> Iterator[ImageHost]:
    host = ImageHost()
    host.add("/landscape.jpg", encode(landscape(640, 400)), "image/jpeg")
    yield host
    host.close()


@pytest.fixture(scope="package", params=STORES)
def hostile(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    """The server, with accounts `alice` and `bob`, on the parametrised database."""
    with store_env(request.param) as env:
        data_dir: Path = tmp_path_factory.mktemp(f"hostile-{request.param}")
        server = KeyedServer(data_dir, ("alice", "bob"), STILLMOTION_FETCH_TOTAL_TIMEOUT=FETCH_TOTAL_TIMEOUT,
                             STILLMOTION_RATE_LIMIT_PER_MINUTE="0", **env)  # fmt: skip
        with server.running():
            yield server


@pytest.fixture
def alice(hostile: KeyedServer) -> Iterator[httpx.Client]:
    with hostile.client_for("alice") as client:
        yield client


@pytest.fixture
def anonymous(hostile: KeyedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hostile.base_url, timeout=30) as client:
        yield client
