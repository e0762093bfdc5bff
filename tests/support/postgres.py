"""Fresh PostgreSQL databases on the machine's server, for tests that run the store on PostgreSQL.

The server is required, not optional: a test that needs it fails with a message naming the DSN
instead of skipping, so CI can never go green without having run it.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

POSTGRES_DSN = os.environ.get("STILLMOTION_TEST_POSTGRES", "postgresql://postgres@localhost:5432/test")


async def _admin(statement: str) -> None:
    import asyncpg

    try:
        connection = await asyncpg.connect(POSTGRES_DSN, timeout=5)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL is required for this test and is not reachable at {POSTGRES_DSN} "
                    f"(set STILLMOTION_TEST_POSTGRES): {exc}")  # fmt: skip
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextmanager
def fresh_database() -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database, dropped (connections and all) afterwards."""
    name = f"stillmotion_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


STORES = ("sqlite", "postgresql")
"""The databases a store-sensitive fixture is parametrised over."""


@contextmanager
def store_env(store: str) -> Iterator[dict[str, str]]:
    """Server environment for `store`: nothing for SQLite (the data directory's file), a fresh
    database's URL for PostgreSQL (dropped afterwards)."""
    if store == "sqlite":
        yield {}
        return
    with fresh_database() as url:
        yield {"STILLMOTION_DATABASE_URL": url}
