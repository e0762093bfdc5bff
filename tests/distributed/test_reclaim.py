"""The reclaim sweep with many workers sweeping at once, on PostgreSQL and a real Celery queue:
each crashed task is queued exactly once (the render file its dead worker left is removed), one out
of attempts fails exactly once, and a re-sent pending task reads as unchanged."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from stillmotion.config import Settings
from stillmotion.executors.celery import CeleryExecutor
from stillmotion.storage.local import LocalStorage
from stillmotion.tasks.reclaim import Reclaimer
from stillmotion.tasks.repository import Admission
from stillmotion.tasks.store import TaskStore
from tests.support.distributed import REDIS_URL, purge_prefix
from tests.support.postgres import fresh_database
from tests.support.tasks import new_task

SWEEPERS = 8
CRASHED = 12
REDISPATCH_SECONDS = 2.0


@pytest.fixture
def settings(tmp_path: Path) -> Iterator[Settings]:
    prefix = f"smtest{uuid.uuid4().hex[:10]}"
    with fresh_database() as url:
        configured = Settings(data_dir=tmp_path, database_url=url, executor="celery", broker_url=REDIS_URL,
                              queue_prefix=prefix, max_attempts=2)  # fmt: skip
        from stillmotion.tasks.migrate import upgrade_database

        upgrade_database(configured)
        try:
            yield configured
        finally:
            purge_prefix(REDIS_URL, prefix)


async def test_many_sweepers_queue_each_crashed_task_once(settings: Settings) -> None:
    storage = LocalStorage(settings)
    store = TaskStore.open(settings, storage)
    executor = CeleryExecutor(settings)
    try:
        issued = await store.accounts.issue_key("olga", credits=1000)
        credential = await store.accounts.by_api_key(issued.api_key)
        assert credential is not None
        account = credential.account_id
        expired = timedelta(seconds=-1)  # a lease already over: the worker that held it is gone
        crashed, exhausted, left_behind = [], [], []
        for number in range(CRASHED + 1):
            created = (await store.tasks.create(new_task(account), Admission(cost=1))).task
            await store.tasks.claim(created.id, "dead-worker", expired)
            left_behind.append(storage.scratch.path(created.id, "dead-worker"))
            left_behind[-1].write_bytes(b"half a render")
            if number == CRASHED:  # the last one already ran twice
                await store.tasks.requeue(created.id, now=created.created_at + timedelta(days=1),
                                          stale_before=created.created_at + timedelta(days=1))  # fmt: skip
                await store.tasks.claim(created.id, "dead-worker", expired)
                exhausted.append(created.id)
            else:
                crashed.append(created.id)
        live = (await store.tasks.create(new_task(account), Admission(cost=1))).task
        await store.tasks.claim(live.id, "live-worker", timedelta(minutes=5))
        rendering = storage.scratch.path(live.id, "live-worker")
        rendering.write_bytes(b"being written")
        sweepers = [
            Reclaimer(store.tasks, executor, storage.scratch, settings.max_attempts, redispatch_seconds=60)
            for _ in range(SWEEPERS)
        ]
        dispatched = await asyncio.gather(*(sweeper.sweep() for sweeper in sweepers))
        assert sum(dispatched) == CRASHED
        assert await executor.queue_depth() == CRASHED
        for task_id in crashed:
            task = await store.tasks.get(task_id)
            assert task is not None and (task.status, task.attempts, task.worker_id) == ("TASK_PENDING", 1, None)
        failed = await store.tasks.get(exhausted[0])
        assert failed is not None and (failed.status, failed.failure_code, failed.attempts) == ("TASK_FAILED", 5004, 2)
        assert failed.credit_state == "refunded"
        assert sum(await asyncio.gather(*(sweeper.sweep() for sweeper in sweepers))) == 0  # nothing left to do
        assert [path for path in left_behind if path.exists()] == []
        assert rendering.exists()
    finally:
        executor.close()
        await store.close()


async def test_a_pending_task_sent_again_keeps_its_updated_at(settings: Settings) -> None:
    """A message lost at create (broker down) is sent again by the sweep; what a client reads,
    `updated_at` included, does not change, and the task is not sent again straight away."""
    storage = LocalStorage(settings)
    store = TaskStore.open(settings, storage)
    executor = CeleryExecutor(settings)
    try:
        issued = await store.accounts.issue_key("pia", credits=10)
        credential = await store.accounts.by_api_key(issued.api_key)
        assert credential is not None
        created = (await store.tasks.create(new_task(credential.account_id), Admission(cost=1))).task  # never sent
        sweeper = Reclaimer(store.tasks, executor, storage.scratch, settings.max_attempts, REDISPATCH_SECONDS)
        await asyncio.sleep(REDISPATCH_SECONDS + 0.1)
        assert await sweeper.sweep() == 1
        assert await sweeper.sweep() == 0  # just sent: not again before another redispatch_seconds
        assert await executor.queue_depth() == 1
        task = await store.tasks.get(created.id)
        assert task is not None and task.status == "TASK_PENDING"
        assert task.updated_at == created.updated_at
        assert task.dispatched_at is not None and task.dispatched_at > created.created_at
    finally:
        executor.close()
        await store.close()
