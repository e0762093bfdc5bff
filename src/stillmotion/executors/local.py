"""The embedded executor: an in-process queue drained by `workers` concurrent runners.

The queue dies with the process, so `start()` refills it from the store (every pending task,
oldest first). Finding crashed work (expired leases) is the reclaim sweep's job, not this
queue's (tasks/reclaim.py); a task submitted twice is queued once.
"""

from __future__ import annotations

import asyncio
import logging

from stillmotion.errors import StoreUnavailable
from stillmotion.periodic import cancel_all
from stillmotion.pipeline.run import RunnerStopping, TaskRunner
from stillmotion.tasks.db import STORE_RETRY_SECONDS

log = logging.getLogger("stillmotion.executor")


class LocalExecutor:
    def __init__(self, runner: TaskRunner, workers: int) -> None:
        self.runner = runner
        self.workers = workers
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._known: set[str] = set()  # queued or running here: a second submit is a no-op
        self._loops: list[asyncio.Task[None]] = []

    async def submit(self, task_id: str, model_name: str) -> None:
        """One queue for every model: this process loads them all."""
        if task_id not in self._known:
            self._known.add(task_id)
            self._queue.put_nowait(task_id)

    async def cancel(self, task_id: str) -> None:
        """Stop it now if it runs here. A queued one needs nothing: its claim will fail because
        the store already says it ended."""
        self.runner.interrupt(task_id)

    async def queue_depth(self) -> int:
        return self._queue.qsize()

    async def start(self) -> None:
        for task_id, model_name in await self.runner.tasks.pending():
            await self.submit(task_id, model_name)
        self._loops = [asyncio.create_task(self._work(), name=f"worker-{i}") for i in range(self.workers)]

    async def stop(self) -> None:
        """Call after the worker role drained the runner: every loop is idle or returning."""
        await cancel_all(self._loops)

    async def _work(self) -> None:
        while True:
            task_id = await self._queue.get()
            try:
                await self.runner.run(task_id)
            except RunnerStopping:
                self._known.discard(task_id)
                return  # the task stays pending in the store; the next start queues it again
            except StoreUnavailable:
                # Not claimed: it is still pending. Try again shortly rather than after redispatch_seconds.
                log.warning("task %s: task store unreachable; trying again shortly", task_id)
                await asyncio.sleep(STORE_RETRY_SECONDS)
                self._queue.put_nowait(task_id)
                continue
            except Exception:
                log.exception("task %s: runner crashed", task_id)
            self._known.discard(task_id)
