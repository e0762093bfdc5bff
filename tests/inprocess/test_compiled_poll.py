"""The poll reads through `CompiledSelect` (straight through sqlite3, or asyncpg on a pooled
connection); every other owner read goes through SQLAlchemy. Both must see a task the same: the
same names, the same values and types (datetimes, booleans, JSON, the queue position, the
delivery), whatever state it is in, on both databases. On PostgreSQL a connection lost in the
middle of the poll is an outage like any other: `StoreUnavailable`, and the next poll works."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import asyncpg
import pytest

from stillmotion.errors import StoreUnavailable
from stillmotion.tasks.compiled_select import PooledSelect, SqliteSelect
from stillmotion.tasks.repository import Admission, Seen
from stillmotion.tasks.store import TaskStore
from tests.inprocess.conftest import new_task, open_account

LEASE = timedelta(seconds=30)


def _same(polled: Seen | None, read: Seen) -> None:
    assert polled is not None
    assert polled.task._fields == tuple(read.task._fields)
    for name in polled.task._fields:
        mine, theirs = getattr(polled.task, name), getattr(read.task, name)
        assert (mine, type(mine)) == (theirs, type(theirs)), name
    assert (polled.queue_position, polled.delivery) == (read.queue_position, read.delivery)


async def test_the_poll_reads_what_the_repository_reads_in_every_state(either_store: TaskStore) -> None:
    expected = SqliteSelect if either_store.db.dialect.name == "sqlite" else PooledSelect
    assert isinstance(either_store.tasks._poll, expected)
    account = await open_account(either_store)
    first, second, third = [
        (await either_store.tasks.create(new_task(account, callback_url=url), Admission())).task
        for url in (None, "https://example.com/hook", None)
    ]
    for task in (first, second, third):
        _same(await either_store.tasks.seen_by_account(task.id, account), await either_store.tasks.seen(task.id))
    assert (await either_store.tasks.seen_by_account(third.id, account)).queue_position == 3  # type: ignore[union-attr]

    await either_store.tasks.claim(first.id, "w1", LEASE)
    await either_store.tasks.succeed(
        first.id, "w1", "videos/a.mp4", plan={"camera": {"move": "push"}, "strength": 0.5},
        notes=["'blinks': a subject's action"], engine="motion", enhanced_prompt="push in")  # fmt: skip
    await either_store.tasks.claim(second.id, "w1", LEASE)
    await either_store.tasks.fail(second.id, "w1", 2002, "Rendering failed.", notes=["a note"])
    for task in (first, second, third):
        _same(await either_store.tasks.seen_by_account(task.id, account), await either_store.tasks.seen(task.id))
    done = await either_store.tasks.seen_by_account(first.id, account)
    assert done is not None and done.task.plan == {"camera": {"move": "push"}, "strength": 0.5}
    assert done.task.completed_at.tzinfo is not None and done.task.enhance_prompt is False
    assert (await either_store.tasks.seen_by_account(third.id, account)).queue_position == 1  # type: ignore[union-attr]
    assert (await either_store.tasks.seen(second.id)).delivery is not None, "a finished task with a callback has one"


async def test_the_poll_sees_only_the_accounts_own_tasks(either_store: TaskStore) -> None:
    alice, bob = await open_account(either_store, "alice"), await open_account(either_store, "bob")
    task = (await either_store.tasks.create(new_task(alice), Admission())).task
    assert await either_store.tasks.seen_by_account(task.id, bob) is None
    assert await either_store.tasks.seen_by_account("no-such-task", alice) is None
    assert await either_store.tasks.seen_by_account(task.id, alice) is not None


@pytest.mark.parametrize("store_settings", ["postgresql"], indirect=True)
async def test_a_postgresql_connection_lost_mid_poll_is_store_unavailable(either_store: TaskStore) -> None:
    """The poll waits on a table lock; its server process is terminated while it waits."""
    account = await open_account(either_store)
    task = (await either_store.tasks.create(new_task(account), Admission())).task
    url = either_store.db.url.set(drivername="postgresql")
    admin = await asyncpg.connect(url.render_as_string(hide_password=False))
    try:
        async with admin.transaction():
            await admin.execute("LOCK TABLE tasks IN ACCESS EXCLUSIVE MODE")
            poll = asyncio.create_task(either_store.tasks.seen_by_account(task.id, account))
            for _ in range(100):
                waiting = await admin.fetchval("SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                               "AND datname = current_database()")  # fmt: skip
                if waiting is not None:
                    break
                await asyncio.sleep(0.05)
            assert waiting is not None, "the poll never waited on the lock"
            await admin.execute("SELECT pg_terminate_backend($1)", waiting)
            with pytest.raises(StoreUnavailable) as lost:
                await asyncio.wait_for(poll, 10)
            assert lost.value.retry_after == 5
    finally:
        await admin.close()
    seen = await either_store.tasks.seen_by_account(task.id, account)  # a fresh connection
    assert seen is not None and seen.task.id == task.id
