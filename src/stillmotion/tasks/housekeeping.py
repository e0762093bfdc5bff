"""Periodic clean-up in the server process: expired videos (retention) and old idempotency keys.

A deleted video's task keeps its row, with `video_deleted_at` set, so GET can say what
happened instead of pretending the task never existed.
"""

from __future__ import annotations

import asyncio
import logging

from stillmotion.periodic import cancel_all, every
from stillmotion.storage.local import LocalStorage
from stillmotion.tasks.models import utcnow
from stillmotion.tasks.repository import TaskRepository

log = logging.getLogger("stillmotion.housekeeping")


class Housekeeper:
    def __init__(self, tasks: TaskRepository, storage: LocalStorage, period_seconds: float) -> None:
        self.tasks = tasks
        self.storage = storage
        self.period_seconds = period_seconds
        self._loop: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._loop = asyncio.create_task(every(self.period_seconds, self.sweep, "housekeeping", log), name="housekeeping")

    async def stop(self) -> None:
        if self._loop is not None:
            await cancel_all([self._loop])

    async def sweep(self) -> int:
        """Delete every video past its expiry and forget stale idempotency keys; returns videos deleted."""
        now = utcnow()
        deleted = 0
        while expired := await self.tasks.expired_videos(now):
            for task in expired:
                if task.video_key:
                    await asyncio.to_thread(self.storage.delete_video, task.video_key)
                await self.tasks.mark_video_deleted(task.id)
                deleted += 1
        forgotten = await self.tasks.forget_idempotency_keys(now)
        if deleted or forgotten:
            log.info("deleted %d expired videos, forgot %d idempotency keys", deleted, forgotten)
        return deleted

