"""Engine and session factory. SQLite runs in WAL mode so readers never wait on the worker."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, event
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from stillmotion.config import Settings

# Writers wait this long for SQLite's lock instead of failing at once.
_SQLITE_BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # No ROLLBACK as a connection goes back to the pool: every session and connection here
        # ends its own transaction as it closes (commit, or rollback), so the pool's one was a
        # second, empty round trip through aiosqlite's thread on every request.
        engine = create_async_engine(url, pool_reset_on_return=None)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    return create_async_engine(url, pool_pre_ping=True)


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def affected_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched: the guard of every conditional state change.

    `AsyncSession.execute` is typed as returning `Result`, which hides the
    `CursorResult.rowcount` that DML statements actually carry.
    """
    return int(cast("CursorResult[Any]", result).rowcount or 0)
