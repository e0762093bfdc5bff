"""Engine and session factory. SQLite runs in WAL mode so readers never wait on the worker; on
PostgreSQL a lost server is reported as `StoreUnavailable` and reconnected by itself."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, Result, event, make_url
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from stillmotion.config import Settings
from stillmotion.errors import StoreUnavailable
from stillmotion.tasks.sqlite_inline import connector

# Writers wait this long for SQLite's lock instead of failing at once.
_SQLITE_BUSY_TIMEOUT_MS = 10_000
# Retry-After for clients while PostgreSQL is away: a restart takes seconds.
STORE_RETRY_AFTER = 5
STORE_RETRY_SECONDS = 1.0
"""How long a worker waits before trying an unreachable store again (a claim, a finishing write)."""


def cannot_reach() -> tuple[type[BaseException], ...]:
    """What asyncpg raises while the PostgreSQL server is down, restarting or full, opening a
    connection or on one it drops: the driver's own errors, which SQLAlchemy passes through
    unwrapped at connect. asyncpg is imported here, not at start-up, so a SQLite deployment never
    loads it."""
    import asyncpg

    return (
        OSError,  # refused, reset, unreachable
        TimeoutError,
        asyncpg.exceptions.PostgresConnectionError,
        asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up, terminated
        asyncpg.exceptions.TooManyConnectionsError,
        asyncpg.exceptions.ConnectionDoesNotExistError,  # closed in the middle of a statement
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _connect(dialect: Any, _record: Any, cargs: Any, cparams: Any) -> Any:
    try:
        return dialect.connect(*cargs, **cparams)
    except cannot_reach() as exc:
        raise StoreUnavailable(retry_after=STORE_RETRY_AFTER) from exc


def _replace_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
    """A pooled connection the server closed is replaced at checkout instead of failing the
    request that drew it. A restarting or stopping PostgreSQL ends every session with a message
    and closes its socket, which asyncpg sees as it arrives (`is_closed()`, no round trip).
    `pool_pre_ping` did this with three round trips per checkout (BEGIN, a ping, ROLLBACK;
    docs/benchmarks.md has the poll's CPU before and after). A connection cut without a word (a network partition)
    fails its statement instead: `StoreUnavailable`, and the pool replaces it."""
    if dbapi_connection.driver_connection.is_closed():
        raise DisconnectionError("the server closed this connection")


def _lost_connection(context: ExceptionContext) -> BaseException | None:
    """A statement whose connection died (server restart): SQLAlchemy has already invalidated it so the
    pool opens a fresh one; the caller sees `StoreUnavailable`.

    A statement interrupted by a cancellation (or KeyboardInterrupt) is flagged as a disconnect too,
    since its connection is left mid-protocol; that one stays what it is, or a chore cancelled
    mid-query at shutdown would take the outage for a hiccup, retry, and never end."""
    if not isinstance(context.original_exception, Exception):
        return None
    if context.is_disconnect or isinstance(context.original_exception.__cause__, cannot_reach()):
        return StoreUnavailable(retry_after=STORE_RETRY_AFTER)
    return None


def create_engine(settings: Settings) -> AsyncEngine:
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # No ROLLBACK as a connection goes back to the pool: every session and connection here
        # ends its own transaction as it closes (commit, or rollback), so the pool's one was a
        # second, empty round trip through aiosqlite's thread on every request.
        # Statements run on the event loop's thread (tasks/sqlite_inline.py): no thread hops.
        engine = create_async_engine(
            url, pool_reset_on_return=None, async_creator=connector(str(make_url(url).database))
        )
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(
        url, pool_size=settings.database_pool_size, max_overflow=settings.database_max_overflow
    )
    event.listen(engine.sync_engine, "checkout", _replace_if_closed)
    event.listen(engine.sync_engine, "do_connect", _connect)
    event.listen(engine.sync_engine, "handle_error", _lost_connection)
    return engine


def create_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)


def affected_rows(result: Result[Any]) -> int:
    """Rows an UPDATE or DELETE matched: the guard of every conditional state change.

    `AsyncSession.execute` is typed as returning `Result`, which hides the
    `CursorResult.rowcount` that DML statements actually carry.
    """
    return int(cast("CursorResult[Any]", result).rowcount or 0)
