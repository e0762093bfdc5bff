"""The worker role, built from the one `Settings`: engines (weights loaded once, kept warm), the
task runner, and the background chores every worker runs (safe with many workers at once):

- reclaim: expired leases and lost messages back to the queue, the attempts rule (tasks/reclaim.py)
- webhook dispatch: due callback deliveries, claimed one attempt at a time (webhooks/dispatcher.py)
- housekeeping: retention, stale idempotency keys, render files of dead workers (tasks/housekeeping.py)

`stillmotion serve` in embedded mode runs this beside the API in one process, with the
in-process executor; `stillmotion worker` runs it alone behind Celery.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import suppress

from stillmotion.config import Settings
from stillmotion.engines.registry import EngineRegistry
from stillmotion.executors.base import Executor, QueueUnavailable
from stillmotion.periodic import cancel_all, every
from stillmotion.pipeline.run import TaskRunner
from stillmotion.storage import Storage
from stillmotion.tasks.housekeeping import Housekeeper
from stillmotion.tasks.reclaim import Reclaimer
from stillmotion.tasks.store import TaskStore
from stillmotion.webhooks import WebhookDispatcher

log = logging.getLogger("stillmotion.worker")


class WorkerRole:
    def __init__(self, settings: Settings, store: TaskStore, storage: Storage) -> None:
        self.settings = settings
        self.store = store
        self.storage = storage
        self.engines = EngineRegistry(settings)
        self.runner = TaskRunner(settings, store.tasks, storage, self.engines)
        self.webhooks = WebhookDispatcher(store.deliveries, store.accounts, settings)
        self._executor: Executor | None = None
        self._chores: list[asyncio.Task[None]] = []
        self._loading: asyncio.Task[None] | None = None

    async def start(self, executor: Executor) -> None:
        """Load the engines in the background (weights can take minutes; /readyz says when they
        are in) and start the chores; `executor` is where reclaimed tasks are dispatched."""
        settings = self.settings
        self._executor = executor
        self._loading = asyncio.create_task(asyncio.to_thread(self.engines.load_all), name="load-engines")
        reclaimer = Reclaimer(
            self.store.tasks, executor, self.storage.scratch, settings.max_attempts, settings.redispatch_seconds
        )
        housekeeper = Housekeeper(self.store.tasks, self.storage)
        self._chores = [
            asyncio.create_task(every(settings.lease_seconds / 2, reclaimer.sweep, "reclaim", log), name="reclaim"),
            asyncio.create_task(
                every(settings.housekeeping_seconds, housekeeper.sweep, "housekeeping", log), name="housekeeping"
            ),
        ]
        await self.webhooks.start()

    async def engines_loaded(self) -> None:
        """Wait until every engine has loaded (a Celery worker consumes nothing before)."""
        if self._loading is not None:
            await asyncio.shield(self._loading)

    async def stop(self) -> None:
        """Drain the runner (running tasks finish within `shutdown_grace_seconds` or go back to the
        queue, attempt not counted), queue what was handed back, then stop the chores."""
        for task_id, model_name in await self.runner.drain(self.settings.shutdown_grace_seconds):
            if self._executor is not None:
                with suppress(QueueUnavailable):  # pending in the store: the reclaim sweep queues it
                    await self._executor.submit(task_id, model_name)
        await cancel_all(self._chores)
        await self.webhooks.stop()
        if self._loading is not None:
            await asyncio.wait({self._loading})  # a thread cannot be cancelled: let the load end
