"""SQLite's poll reads through `CompiledSelect` (straight through sqlite3); every other owner read
goes through SQLAlchemy. Both must see a task the same: the same names, the same values and types
(datetimes, booleans, JSON, the queue position, the delivery), whatever state it is in."""

from __future__ import annotations

from datetime import timedelta

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


async def test_the_poll_reads_what_the_repository_reads_in_every_state(store: TaskStore) -> None:
    assert store.tasks._poll is not None, "this store is SQLite: the poll takes the compiled path"
    account = await open_account(store)
    first, second, third = [
        (await store.tasks.create(new_task(account, callback_url=url), Admission())).task
        for url in (None, "https://example.com/hook", None)
    ]
    for task in (first, second, third):
        _same(await store.tasks.seen_by_account(task.id, account), await store.tasks.seen(task.id))
    assert (await store.tasks.seen_by_account(third.id, account)).queue_position == 3  # type: ignore[union-attr]

    await store.tasks.claim(first.id, "w1", LEASE)
    await store.tasks.succeed(first.id, "w1", "videos/a.mp4", plan={"camera": {"move": "push"}, "strength": 0.5},
                              notes=["'blinks': a subject's action"], engine="motion", enhanced_prompt="push in")  # fmt: skip
    await store.tasks.claim(second.id, "w1", LEASE)
    await store.tasks.fail(second.id, "w1", 2002, "Rendering failed.", notes=["a note"])
    for task in (first, second, third):
        _same(await store.tasks.seen_by_account(task.id, account), await store.tasks.seen(task.id))
    done = await store.tasks.seen_by_account(first.id, account)
    assert done is not None and done.task.plan == {"camera": {"move": "push"}, "strength": 0.5}
    assert done.task.completed_at.tzinfo is not None and done.task.enhance_prompt is False
    assert (await store.tasks.seen_by_account(third.id, account)).queue_position == 1  # type: ignore[union-attr]
    assert (await store.tasks.seen(second.id)).delivery is not None, "a finished task with a callback has one"


async def test_the_poll_sees_only_the_accounts_own_tasks(store: TaskStore) -> None:
    alice, bob = await open_account(store, "alice"), await open_account(store, "bob")
    task = (await store.tasks.create(new_task(alice), Admission())).task
    assert await store.tasks.seen_by_account(task.id, bob) is None
    assert await store.tasks.seen_by_account("no-such-task", alice) is None
    assert await store.tasks.seen_by_account(task.id, alice) is not None
