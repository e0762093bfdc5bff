"""`stillmotion worker`: the worker role alone, consuming its models' Celery queues.

One process holds one worker role: engines built once and kept warm, the task store, storage
and the chores, all on one asyncio loop in a thread of its own. Celery's pool is threads
(`--concurrency` of them), each handing a task id to that loop and waiting for the run to end,
so N concurrent renders share one copy of the weights. On SIGTERM Celery stops consuming and we
drain the runner: running tasks finish within `shutdown_grace_seconds` or go back to the queue
without using up an attempt; a message that arrives meanwhile is rejected back to the broker.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
import time
import uuid
from collections.abc import Coroutine
from typing import Any, TypeVar

from celery.exceptions import Reject
from celery.signals import worker_shutting_down

from stillmotion.config import Settings
from stillmotion.errors import StoreUnavailable
from stillmotion.executors.celery import CeleryExecutor
from stillmotion.pipeline.run import RunnerStopping
from stillmotion.storage import create_storage
from stillmotion.tasks.db import STORE_RETRY_SECONDS
from stillmotion.tasks.store import TaskStore
from stillmotion.worker.celery_app import RUN_TASK, queue_name
from stillmotion.worker.role import WorkerRole

log = logging.getLogger("stillmotion.worker")
T = TypeVar("T")


class WorkerRuntime:
    """The worker role on its own event loop thread; Celery's threads call into it."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.executor = CeleryExecutor(settings)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="stillmotion-loop", daemon=True)
        self._stopping = threading.Lock()
        self._stopped = False
        self._store: TaskStore | None = None
        self.role: WorkerRole | None = None

    def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def start(self) -> None:
        """Open the store and storage, load every engine (before consuming anything), start the chores."""
        self._thread.start()
        self.call(self._open())

    async def _open(self) -> None:
        storage = create_storage(self.settings)
        self._store = TaskStore.open(self.settings, storage)
        self.role = WorkerRole(self.settings, self._store, storage)
        await self.role.start(self.executor)
        await self.role.engines_loaded()
        for problem in self.role.engines.problems:
            log.error("not servable here: %s", problem)

    def run_task(self, task_id: str) -> None:
        assert self.role is not None
        try:
            self.call(self.role.runner.run(task_id))
        except RunnerStopping:
            raise Reject("worker stopping", requeue=True) from None
        except StoreUnavailable:
            # Not claimed: the task is still pending. Its message goes back to the queue after a
            # pause, so an outage of the store is waited out instead of costing redispatch_seconds.
            log.warning("task %s: task store unreachable; back to the queue", task_id)
            time.sleep(STORE_RETRY_SECONDS)
            raise Reject("task store unreachable", requeue=True) from None

    def stop(self) -> None:
        """Drain and close. Called twice (by the shutdown signal, then as Celery returns): the
        second call waits for the first, so the process never exits mid-drain."""
        with self._stopping:
            if self._stopped:
                return
            self._stopped = True
            self.call(self._close())
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self.executor.close()

    async def _close(self) -> None:
        if self.role is not None:
            await self.role.stop()
        if self._store is not None:
            await self._store.close()


def serve_models(settings: Settings, names: list[str] | None) -> Settings:
    """The settings of a worker serving only `names` (all configured models when None)."""
    if not names:
        return settings
    unknown = sorted(set(names) - set(settings.models))
    if unknown:
        raise ValueError(f"not configured in STILLMOTION_MODELS: {', '.join(unknown)}")
    return settings.model_copy(update={"models": {name: settings.models[name] for name in names}})


def run_worker(settings: Settings, concurrency: int) -> int:
    """Run until stopped (SIGTERM/SIGINT: warm shutdown); returns the exit code."""
    runtime = WorkerRuntime(settings)
    app = runtime.executor.app

    @app.task(name=RUN_TASK, acks_late=True, reject_on_worker_lost=True, ignore_result=True)  # type: ignore[untyped-decorator, unused-ignore]
    def run_task(task_id: str) -> None:
        runtime.run_task(task_id)

    def on_shutdown(**_: Any) -> None:
        # In the signal handler: drain on another thread; Celery meanwhile waits for its pool.
        threading.Thread(target=runtime.stop, name="stillmotion-drain", daemon=True).start()

    worker_shutting_down.connect(on_shutdown, weak=False)
    runtime.start()
    queues = [queue_name(settings, name) for name in settings.models]
    log.warning("worker serving %s on %s", ", ".join(settings.models), ", ".join(queues))
    worker = app.Worker(
        queues=queues,
        concurrency=concurrency,
        pool="threads",
        hostname=f"stillmotion-{uuid.uuid4().hex[:8]}@{socket.gethostname()}",
        loglevel=settings.log_level,
        optimization="fair",
    )
    try:
        worker.start()
    finally:
        runtime.stop()
    return int(worker.exitcode or 0)
