"""Periodic clean-up, run by every worker: expired videos (retention) and old idempotency keys.

A deleted video's task keeps its row, with `video_deleted_at` set, so GET can say what
happened instead of pretending the task never existed.
"""

from __future__ import annotations

import asyncio
import logging

from stillmotion.storage.base import Storage
from stillmotion.tasks.models import utcnow
from stillmotion.tasks.repository import TaskRepository

log = logging.getLogger("stillmotion.housekeeping")


class Housekeeper:
    def __init__(self, tasks: TaskRepository, storage: Storage) -> None:
        self.tasks = tasks
        self.storage = storage

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

