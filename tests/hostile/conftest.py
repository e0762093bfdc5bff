"""One real server per database for the hostile-input suite: SQLite, and a fresh PostgreSQL
database on the machine's server. Every test here that takes `hostile` runs against both,
because what a database cannot hold (NUL, unpaired surrogates) differs between them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.support.images import encode, landscape
from tests.support.keyed_server import KeyedServer
from tests.support.postgres import fresh_database
from tests.support.servers import ImageHost

# Short enough that a slow-drip image host is cut off within the test's patience.
FETCH_TOTAL_TIMEOUT = "3"


@pytest.fixture(scope="package")
def hostile_host() -> Iterator[ImageHost]:
    host = ImageHost()
    host.add("/landscape.jpg", encode(landscape(640, 400)), "image/jpeg")
    yield host
    host.close()


@pytest.fixture(scope="package", params=["sqlite", "postgresql"])
def hostile(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    """The server, with accounts `alice` and `bob`, on the parametrised database."""
    with ExitStack() as stack:
        env = {"STILLMOTION_FETCH_TOTAL_TIMEOUT": FETCH_TOTAL_TIMEOUT, "STILLMOTION_RATE_LIMIT_PER_MINUTE": "0"}
        if request.param == "postgresql":
            env["STILLMOTION_DATABASE_URL"] = stack.enter_context(fresh_database())
        data_dir: Path = tmp_path_factory.mktemp(f"hostile-{request.param}")
        server = KeyedServer(data_dir, ("alice", "bob"), **env)
        stack.enter_context(server.running())
        yield server


@pytest.fixture
def alice(hostile: KeyedServer) -> Iterator[httpx.Client]:
    with hostile.client_for("alice") as client:
        yield client


@pytest.fixture
def anonymous(hostile: KeyedServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=hostile.base_url, timeout=30) as client:
        yield client
