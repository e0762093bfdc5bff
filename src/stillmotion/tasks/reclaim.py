"""Finding work nobody is doing, for any executor and either role (safe with many sweepers).

A processing task whose lease expired belongs to a worker that died: it goes back to pending and
is dispatched again, unless it already used all its attempts (then it fails with 5004 instead of
crashing worker after worker). A task pending for `redispatch_seconds` may have lost its message
(a broker down at create time, or restarted without persistence): it is dispatched again.
The render file a dead attempt left on this machine's disk is removed when its task is requeued.
Each requeue is a guarded update, so of many workers sweeping at once exactly one dispatches a
task; a duplicate message would be harmless anyway, since only one claim can win.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from stillmotion.errors import TaskTimedOut
from stillmotion.executors.base import Executor, QueueUnavailable
from stillmotion.storage.scratch import Scratch
from stillmotion.tasks.events import log_task_event
from stillmotion.tasks.models import TaskStatus, utcnow
from stillmotion.tasks.repository import TaskRepository

log = logging.getLogger("stillmotion.reclaim")


class Reclaimer:
    def __init__(
        self, tasks: TaskRepository, executor: Executor, scratch: Scratch, max_attempts: int, redispatch_seconds: float
    ) -> None:
        self.tasks = tasks
        self.scratch = scratch
        self.executor = executor
        self.max_attempts = max_attempts
        self.redispatch = timedelta(seconds=redispatch_seconds)

    async def sweep(self) -> int:
        """One pass; returns how many tasks it dispatched again."""
        now = utcnow()
        stale_before = now - self.redispatch
        dispatched = 0
        for task_id, model_name, status, attempts, worker_id in await self.tasks.reclaimable(now, stale_before):
            if status == TaskStatus.PROCESSING.value and attempts >= self.max_attempts:
                error = TaskTimedOut(f"Task did not finish after {attempts} attempts.")
                if await self.tasks.fail(task_id, None, error.code, error.message) is not None:
                    log_task_event("failed", task_id, code=error.code, reason=error.message)
                    self._discard_scratch(task_id, worker_id)
                continue
            if not await self.tasks.requeue(task_id, now, stale_before):
                continue  # another sweeper took it, or a worker claimed it meanwhile
            if status == TaskStatus.PROCESSING.value:
                log.warning("task %s: lease expired after attempt %d; queued again", task_id, attempts)
                self._discard_scratch(task_id, worker_id)
            try:
                await self.executor.submit(task_id, model_name)
            except QueueUnavailable as exc:
                # Requeued in the store (so stale again after redispatch_seconds): not lost.
                log.warning("queue unreachable (%s); dispatching again later", exc)
                break
            dispatched += 1
        return dispatched

    def _discard_scratch(self, task_id: str, worker_id: str | None) -> None:
        """The dead attempt's render file, if it is on this machine's disk (else that machine's
        housekeeping removes it)."""
        if worker_id is not None and self.scratch.discard(task_id, worker_id):
            log.info("task %s: removed the render file worker %s left", task_id, worker_id)
