"""A stillmotion server whose accounts exist before it starts: the body of the server fixtures."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from tests.support.servers import ServerProcess


class KeyedServer(ServerProcess):
    """`ServerProcess` plus one key set per account (made through the CLI), in `keys`."""

    def __init__(self, data_dir: Path, accounts: Iterable[str], **env: str) -> None:
        super().__init__(data_dir, **env)
        self.keys: dict[str, dict[str, Any]] = {name: self.create_key(name) for name in accounts}

    def client_for(self, account: str) -> httpx.Client:
        """A client that sends `account`'s API key."""
        return self.client(self.keys[account]["api_key"])

    @contextmanager
    def running(self, timeout: float = 60.0) -> Iterator[None]:
        """Started for the with-block and stopped after it, so a fixture is one `with`."""
        self.start(timeout)
        try:
            yield
        finally:
            self.stop()
