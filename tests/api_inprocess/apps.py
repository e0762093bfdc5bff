"""The app these tests drive in this process, with its lifespan, in one of two shapes.

Rendering: the embedded worker renders every task it is given (one-second motion clips).
Parked: the API role alone, queueing tasks in the real Redis under a prefix of its own that no
worker reads (deleted afterwards), so a task stays pending until the test cancels it. Mutation
testing runs every test that covers a mutated function (docs/testing.md), so a test that needs
a task but not its video uses the parked app and costs milliseconds, not a render.

Both are meant for session-scoped fixtures: mutmut orders a mutant's tests by their own time,
which interleaves modules, and a module-scoped app would be booted again at every switch."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from stillmotion.api.app import create_app
from stillmotion.config import Settings
from stillmotion.tasks.accounts import IssuedKey
from stillmotion.tasks.migrate import upgrade_database
from tests.support.distributed import REDIS_URL, purge_prefix


@contextmanager
def running_app(data_dir: Path, *, parked: bool, **overrides: Any) -> Iterator[TestClient]:
    """The app started as `stillmotion serve` starts it (database upgraded first)."""
    prefix = f"parked-{uuid.uuid4().hex}"
    queueing = {"executor": "celery", "queue_prefix": prefix, "broker_url": REDIS_URL} if parked else {}
    chosen = {"moderation_semantic": False, "rate_limit_per_minute": 0, **queueing, **overrides}
    settings = Settings(data_dir=data_dir, **chosen)
    upgrade_database(settings)
    try:
        with TestClient(create_app(settings), raise_server_exceptions=False) as client:
            yield client
    finally:
        if parked and settings.broker_url == REDIS_URL:  # a test that named a broker of its own queued nothing here
            purge_prefix(REDIS_URL, prefix)


def issue_key(client: TestClient, name: str, credits: int) -> IssuedKey:
    """A key of a new account in the app's own store."""
    return client.portal.call(client.app.state.services.store.accounts.issue_key, name, credits)  # type: ignore[attr-defined,no-any-return]

