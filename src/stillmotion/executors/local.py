"""The embedded executor: an in-process queue drained by `workers` concurrent runners.

`submit()` is all the API needs. A sweeper finds work nobody is doing: pending
tasks (a restart left them queued in the database) and processing tasks whose
lease expired (their worker died). A task that already used all its attempts
fails with 5004 instead of running forever.
"""

from __future__ import annotations

import asyncio
import logging

from stillmotion.errors import StoreUnavailable, TaskTimedOut
from stillmotion.periodic import cancel_all, every
from stillmotion.pipeline.run import TaskRunner
from stillmotion.tasks.models import TaskStatus

log = logging.getLogger("stillmotion.executor")


class LocalExecutor:
    def __init__(self, runner: TaskRunner, workers: int, max_attempts: int, sweep_seconds: float) -> None:
        self.runner = runner
        self.workers = workers
        self.max_attempts = max_attempts
        self.sweep_seconds = sweep_seconds
        self._queue: asyncio.Queue[str] = asyncio.Queue()
        self._known: set[str] = set()  # queued or running here; the sweeper skips these
        self._loops: list[asyncio.Task[None]] = []

    def submit(self, task_id: str) -> None:
        if task_id not in self._known:
            self._known.add(task_id)
            self._queue.put_nowait(task_id)

    def interrupt(self, task_id: str) -> None:
        """A cancelled task: stop it now if it runs here. A queued one needs nothing: its claim
        will fail because the database already says it ended."""
        self.runner.interrupt(task_id)

    @property
    def queued(self) -> list[str]:
        """Task ids waiting (not running), in order."""
        return list(self._queue._queue)  # type: ignore[attr-defined]  # asyncio.Queue keeps a deque

    async def start(self) -> None:
        self._loops = [asyncio.create_task(self._work(), name=f"worker-{i}") for i in range(self.workers)]
        self._loops.append(asyncio.create_task(every(self.sweep_seconds, self.sweep, "sweep", log), name="sweeper"))

    async def stop(self) -> None:
        await cancel_all(self._loops)

    async def sweep(self) -> None:
        for task in await self.runner.tasks.runnable():
            if task.id in self._known:
                continue
            if task.status == TaskStatus.PROCESSING.value and task.attempts >= self.max_attempts:
                error = TaskTimedOut(f"Task did not finish after {task.attempts} attempts.")
                await self.runner.tasks.fail(task.id, None, error.code, error.message)
                log.warning("task %s: gave up after %d attempts", task.id, task.attempts)
                continue
            self.submit(task.id)

    async def _work(self) -> None:
        while True:
            task_id = await self._queue.get()
            try:
                await self.runner.run(task_id)
            except StoreUnavailable:
                log.warning("task %s: task store unreachable; the sweeper submits it again", task_id)
            except Exception:
                log.exception("task %s: runner crashed", task_id)
            finally:
                self._known.discard(task_id)
