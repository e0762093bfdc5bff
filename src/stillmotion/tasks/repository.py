"""Every change of a task's state goes through here, guarded by status and lease.

Workers claim a task with a lease (worker id + expiry) and renew it while they
run; a task whose lease expired belongs to a crashed worker and is reclaimed.
Updates that finish a task check the lease holder, so a worker that lost its
lease can never overwrite the outcome of the worker that took over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stillmotion.tasks.models import Task, TaskStatus, utcnow


@dataclass(frozen=True)
class Claim:
    task: Task
    attempt: int


class TaskRepository:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def add(self, task: Task) -> Task:
        async with self._sessions() as session, session.begin():
            session.add(task)
        return task

    async def get(self, task_id: str) -> Task | None:
        async with self._sessions() as session:
            return await session.get(Task, task_id)

    async def get_for_account(self, task_id: str, account_id: int) -> Task | None:
        async with self._sessions() as session:
            return await session.scalar(select(Task).where(Task.id == task_id, Task.account_id == account_id))

    async def claim(self, task_id: str, worker_id: str, lease: timedelta) -> Claim | None:
        """Take a pending task, or one whose lease expired; None if someone else holds it or it ended."""
        now = utcnow()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Task)
                .where(
                    Task.id == task_id,
                    or_(
                        Task.status == TaskStatus.PENDING.value,
                        and_(Task.status == TaskStatus.PROCESSING.value, Task.lease_expires_at < now),
                    ),
                )
                .values(
                    status=TaskStatus.PROCESSING.value,
                    message="Video generation is in progress.",
                    worker_id=worker_id,
                    lease_expires_at=now + lease,
                    attempts=Task.attempts + 1,
                    started_at=now,
                    progress=0.0,
                    updated_at=now,
                )
            )
            if result.rowcount != 1:
                return None
            task = await session.get(Task, task_id, populate_existing=True)
        assert task is not None
        return Claim(task=task, attempt=task.attempts)

    async def renew(self, task_id: str, worker_id: str, lease: timedelta, progress: float) -> bool:
        """Extend the lease and record progress; False if the lease was lost."""
        now = utcnow()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Task)
                .where(Task.id == task_id, Task.worker_id == worker_id, Task.status == TaskStatus.PROCESSING.value)
                .values(lease_expires_at=now + lease, progress=round(progress, 1), updated_at=now)
            )
            return result.rowcount == 1

    async def record(self, task_id: str, worker_id: str, **fields: Any) -> None:
        """Store what a stage learned (enhanced prompt, plan, engine) while the lease is held."""
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(Task)
                .where(Task.id == task_id, Task.worker_id == worker_id)
                .values(updated_at=utcnow(), **fields)
            )

    async def succeed(self, task_id: str, worker_id: str, video_key: str) -> Task | None:
        return await self._finish(
            task_id,
            worker_id,
            status=TaskStatus.SUCCEEDED.value,
            message="Video generation completed successfully",
            video_key=video_key,
            progress=100.0,
        )

    async def fail(self, task_id: str, worker_id: str | None, failure_code: int, message: str) -> Task | None:
        """Fail a task. worker_id None: fail it whoever holds it (recovery, cancellation of a queued task)."""
        return await self._finish(
            task_id, worker_id, status=TaskStatus.FAILED.value, message=message, failure_code=failure_code
        )

    async def _finish(self, task_id: str, worker_id: str | None, **values: Any) -> Task | None:
        now = utcnow()
        conditions = [Task.id == task_id, Task.status.in_([TaskStatus.PENDING.value, TaskStatus.PROCESSING.value])]
        if worker_id is not None:
            conditions.append(Task.worker_id == worker_id)
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(Task)
                .where(*conditions)
                .values(completed_at=now, updated_at=now, lease_expires_at=None, **values)
            )
            if result.rowcount != 1:
                return None
            return await session.get(Task, task_id, populate_existing=True)

    async def runnable(self, now: datetime | None = None) -> Sequence[Task]:
        """Pending tasks and processing tasks whose lease expired, oldest first."""
        now = now or utcnow()
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Task)
                .where(
                    or_(
                        Task.status == TaskStatus.PENDING.value,
                        and_(Task.status == TaskStatus.PROCESSING.value, Task.lease_expires_at < now),
                    )
                )
                .order_by(Task.created_at)
            )
            return rows.all()
