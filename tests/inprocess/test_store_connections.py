"""How the store opens its database, in-process: SQLite's pragmas, what `TaskStore.open` wires from
the settings, and on the machine's PostgreSQL server an unreachable server and a connection killed
mid-session, both reported as `StoreUnavailable` (503/5001 with Retry-After) and recovered from."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import ProgrammingError

from stillmotion.config import Settings
from stillmotion.errors import StoreUnavailable
from stillmotion.storage.local import LocalStorage
from stillmotion.tasks.db import affected_rows, create_engine
from stillmotion.tasks.repository import Admission
from stillmotion.tasks.sqlite_inline import InlineConnection, connector
from stillmotion.tasks.store import TaskStore
from tests.inprocess.conftest import make_settings, new_task, open_account
from tests.support.postgres import POSTGRES_DSN, fresh_database


async def test_sqlite_runs_in_wal_with_a_busy_timeout_and_foreign_keys(store: TaskStore) -> None:
    async with store.db.connect() as connection:
        pragmas = [(await connection.execute(text(f"PRAGMA {name}"))).scalar()
                   for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")]  # fmt: skip
    assert pragmas == ["wal", 1, 10_000, 1]  # synchronous 1 is NORMAL


async def test_the_inline_sqlite_cursor_runs_many_rows_and_fetches_in_batches(tmp_path: Path) -> None:
    """The two calls of aiosqlite's cursor interface the store's own statements do not make here
    (SQLAlchemy uses them for multi-row writes and batched reads)."""
    connection = await connector(str(tmp_path / "inline.db"))()
    try:
        cursor = connection.cursor()
        await cursor.execute("CREATE TABLE numbers (n INTEGER)")
        assert await cursor.executemany("INSERT INTO numbers VALUES (?)", [(n,) for n in range(5)]) is cursor
        assert cursor.rowcount == 5
        await cursor.execute("SELECT n FROM numbers ORDER BY n")
        cursor.arraysize = 2
        assert await cursor.fetchmany() == [(0,), (1,)]  # the cursor's arraysize
        assert await cursor.fetchmany(3) == [(2,), (3,), (4,)]
    finally:
        await connection.close()
    connection.stop()  # SQLAlchemy's forced close may come after: nothing left to close
    with pytest.raises(ValueError, match="no active connection"):
        connection.cursor()


async def test_an_inline_sqlite_connection_may_be_closed_from_another_thread(tmp_path: Path) -> None:
    """The pool closes what it holds wherever it is dropped (at exit, from the garbage collector's
    thread); sqlite3 refuses that for a connection bound to the thread that opened it."""
    connection = await connector(str(tmp_path / "inline.db"))()
    await connection.cursor().execute("SELECT 1")
    await asyncio.to_thread(connection.stop)
    assert connection._connection is None


async def test_a_sqlite_store_makes_its_data_directory_and_runs_inline(tmp_path: Path) -> None:
    engine = create_engine(Settings(data_dir=tmp_path / "new" / "data"))
    try:
        async with engine.connect() as connection:
            raw = await connection.get_raw_connection()
            assert isinstance(raw.driver_connection, InlineConnection)  # not aiosqlite's thread
    finally:
        await engine.dispose()
    assert (tmp_path / "new" / "data" / "stillmotion.db").is_file()


async def test_open_wires_the_settings(tmp_path: Path, migrated_template: Path) -> None:
    settings = make_settings(tmp_path, migrated_template, executor="celery", auth_cache_seconds=7.0)
    store = TaskStore.open(settings, LocalStorage(settings))
    try:
        assert store.db.dialect.name == "sqlite" and isinstance(store.tasks._writes, asyncio.Lock)
        assert store.tasks._retention is None and store.accounts._cache is not None and store.accounts._cache.ttl == 7.0
        account = await open_account(store)
        first, second, third = [(await store.tasks.create(new_task(account, model_name=name), Admission())).task
                                for name in ("a", "b", "a")]  # fmt: skip
        # celery: one queue per model
        assert [(await store.tasks.seen(task.id)).queue_position for task in (first, second, third)] == [1, 1, 2]
        async with store.deliveries._sessions() as session:  # the three share one database
            assert (await session.execute(text("SELECT count(*) FROM tasks"))).scalar() == 3
        await store.tasks.claim(first.id, "w", timedelta(seconds=30))
        await store.tasks.succeed(first.id, "w", "x.mp4")
    finally:
        await store.close()
    (tmp_path / "second").mkdir()
    uncached = make_settings(tmp_path / "second", migrated_template, auth_cache_seconds=0, video_retention_hours=1.5)
    store = TaskStore.open(uncached, LocalStorage(uncached))
    try:
        assert store.accounts._cache is None and store.tasks._retention == timedelta(hours=1.5)
        account = await open_account(store)
        task = (await store.tasks.create(new_task(account, callback_url="http://127.0.0.1:9/h"), Admission())).task
        await store.tasks.fail(task.id, None, 5002, "x")
        delivery = await store.deliveries.for_task(task.id)
        assert delivery is not None and delivery.account_id == account
    finally:
        await store.close()


def test_postgresql_unreachable_is_store_unavailable(tmp_path: Path) -> None:
    async def scenario() -> None:
        engine = create_engine(Settings(data_dir=tmp_path, database_url="postgresql+asyncpg://postgres@127.0.0.1:1/none"))
        try:
            with pytest.raises(StoreUnavailable) as unavailable:
                async with engine.connect() as connection:
                    await connection.execute(text("SELECT 1"))
            assert unavailable.value.retry_after == 5 and unavailable.value.code == 5001
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_postgresql_connection_killed_mid_session_then_recovered(tmp_path: Path) -> None:
    with fresh_database() as url:

        async def scenario() -> None:
            settings = Settings(data_dir=tmp_path, database_url=url, database_pool_size=3, database_max_overflow=2)
            engine = create_engine(settings)
            try:
                assert (engine.pool.size(), engine.pool._max_overflow) == (3, 2)  # type: ignore[attr-defined]
                async with engine.connect() as connection:
                    pid = (await connection.execute(text("SELECT pg_backend_pid()"))).scalar()
                    admin = await asyncpg.connect(POSTGRES_DSN.rsplit("/", 1)[0] + "/postgres")
                    try:
                        await admin.execute("SELECT pg_terminate_backend($1)", pid)
                    finally:
                        await admin.close()
                    with pytest.raises(StoreUnavailable) as lost:
                        await connection.execute(text("SELECT 1"))
                    assert lost.value.retry_after == 5
                # A statement error on a live connection is not an outage.
                async with engine.connect() as connection:
                    with pytest.raises(ProgrammingError):
                        await connection.execute(text("SELEC 1"))
                # The pool replaces the dead connection: the next one works.
                async with engine.begin() as connection:
                    await connection.execute(text("CREATE TABLE t (n int)"))
                    inserted = await connection.execute(text("INSERT INTO t VALUES (1), (2)"))
                    assert affected_rows(inserted) == 2
                    assert affected_rows(await connection.execute(text("UPDATE t SET n = 3 WHERE n = 9"))) == 0
            finally:
                await engine.dispose()

        asyncio.run(scenario())


def test_postgresql_statement_cancelled_stays_cancelled(tmp_path: Path) -> None:
    """SQLAlchemy marks a statement interrupted by a cancellation as a disconnect; it must reach the
    caller as the cancellation, not as an outage (a periodic chore would retry it forever and a
    worker's shutdown, which cancels its chores and waits for them, would hang)."""
    with fresh_database() as url:

        async def scenario() -> None:
            engine = create_engine(Settings(data_dir=tmp_path, database_url=url))
            started = asyncio.Event()

            async def slow_query() -> None:
                async with engine.connect() as connection:
                    started.set()
                    await connection.execute(text("SELECT pg_sleep(30)"))

            try:
                query = asyncio.create_task(slow_query())
                await started.wait()
                await asyncio.sleep(0.2)
                query.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await asyncio.wait_for(query, 10)
                async with engine.connect() as connection:  # the pool still serves
                    assert (await connection.execute(text("SELECT 1"))).scalar() == 1
            finally:
                await engine.dispose()

        asyncio.run(scenario())
