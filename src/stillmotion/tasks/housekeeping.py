"""Periodic clean-up, run by every worker: expired videos (retention), old idempotency keys, and
render files on this machine's disk whose attempt is no longer running (a worker killed mid-render
left them; storage/scratch.py). It runs at worker start, so a restarted worker cleans up at once.

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
        abandoned = await self.remove_abandoned_scratch()
        if deleted or forgotten or abandoned:
            log.info("deleted %d expired videos, forgot %d idempotency keys, removed %d abandoned render files",
                     deleted, forgotten, abandoned)  # fmt: skip
        return deleted

    async def remove_abandoned_scratch(self) -> int:
        """Remove render files whose attempt the store no longer has running; returns how many.
        A live attempt is claimed in the store before its file exists, so it is never taken for
        a dead one."""
        files = await asyncio.to_thread(self.storage.scratch.files)
        if not files:
            return 0
        running = await self.tasks.running_attempts({file.task_id for file in files})
        abandoned = [file.path for file in files if (file.task_id, file.worker_id) not in running]
        for path in abandoned:
            path.unlink(missing_ok=True)
        return len(abandoned)

