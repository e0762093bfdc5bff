"""Every change of a task's state goes through here, guarded by status and lease.

Workers claim a task with a lease (worker id + expiry) and renew it while they
run; a task whose lease expired belongs to a crashed worker and is reclaimed.
Updates that finish a task check the lease holder, so a worker that lost its
lease can never overwrite the outcome of the worker that took over.

Creating a task reserves its credits, and finishing one (success, failure, cancel)
settles them and writes its webhook delivery, each in ONE transaction with the
task row: a crash between "task ended" and "refund" or "webhook queued" is impossible.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, bindparam, case, delete, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased, defer

from stillmotion.errors import (
    IdempotencyConflict,
    NotReady,
    RateLimited,
    TaskCancelled,
    TaskNotCancellable,
    TaskNotFound,
)
from stillmotion.tasks.credits import ACCOUNT_COLUMNS, UNLOADED_ROWS, reserve_credits, settle_credits
from stillmotion.tasks.db import affected_rows
from stillmotion.tasks.idempotency import IDEMPOTENCY_TTL, IdempotencyClaim
from stillmotion.tasks.compiled_select import PooledSelect, SqliteSelect
from stillmotion.tasks.models import Account, CreditState, IdempotencyKey, Task, TaskStatus, WebhookDelivery, utcnow
from stillmotion.webhooks.outbox import delivery_for

ACTIVE = (TaskStatus.PENDING.value, TaskStatus.PROCESSING.value)
# Retry-After hints: an account at its active-task limit waits for one of its tasks to end
# (seconds for short videos); a full queue needs the whole backlog to move.
ACTIVE_LIMIT_RETRY_AFTER = 5
QUEUE_FULL_RETRY_AFTER = 30


@dataclass(frozen=True)
class Admission:
    """What create must enforce in its transaction. None (or 0) means no limit / credits off."""

    cost: int | None = None
    idempotency: IdempotencyClaim | None = None
    max_active: int = 0
    max_queued: int = 0


@dataclass(frozen=True)
class Created:
    task: Task
    replayed: bool
    """True when an Idempotency-Key matched: the task is the earlier one, nothing was charged."""


TaskRow = Any
"""A task's columns but its image (which a data URL makes megabytes), read by name like a `Task`'s
attributes: what its owner sees, read with Core, not loaded as an ORM object (a poll costs about
half the CPU time: no session, no identity map, no unit of work). A SQLAlchemy `Row`, or on
the poll a named tuple of the same names and values (`CompiledSelect`)."""


@dataclass(frozen=True)
class DeliveryState:
    """A callback's delivery as the task's owner sees it."""

    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None


@dataclass(frozen=True)
class Seen:
    """A task as its owner sees it, read in one statement: the row, its place in the queue while
    pending, and its callback's delivery once there is one."""

    task: TaskRow
    queue_position: int | None
    delivery: DeliveryState | None

    @classmethod
    def of(cls, row: TaskRow) -> Seen:
        """From a row of `_seen`."""
        delivery = None
        if row.delivery_status is not None:
            delivery = DeliveryState(
                row.delivery_status, row.delivery_attempts, row.delivery_last_status_code, row.delivery_last_error
            )
        return cls(row, row.queue_position, delivery)


@dataclass(frozen=True)
class Page:
    tasks: Sequence[Seen]
    has_more: bool


class TaskRepository:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        video_url: Callable[[str], str] | None = None,
        retention: timedelta | None = None,
        queue_per_model: bool = False,
        writes: asyncio.Lock | None = None,
    ) -> None:
        """`video_url` turns a stored video key into the URL callbacks carry; `retention`,
        if set, is how long a succeeded task's video is kept (it sets `expires_at`);
        `queue_per_model`: each model has its own queue (Celery), which queue positions count in.

        `writes` (SQLite): every write transaction of this process takes it first, so concurrent
        creates queue in the event loop, in order, instead of each sleeping in SQLite's busy
        handler, which backs off for milliseconds at a time (32 concurrent creates: seconds of p99).
        Other processes (the CLI) still meet the busy timeout. PostgreSQL needs none: row locks."""
        self._sessions = sessions
        self._db: AsyncEngine = sessions.kw["bind"]  # what owners read (`Seen`) is read with Core
        self._video_url = video_url
        self._retention = retention
        self._writes = writes
        self._seen = _seen(queue_per_model)
        # Built once: the poll's statement object, reused, keeps its compiled form and cache key.
        self._seen_by_account = self._seen.where(
            Task.id == bindparam("task_id"), Task.account_id == bindparam("account_id")
        )
        self._poll = (
            SqliteSelect(self._seen_by_account, self._db.dialect, str(self._db.url.database))
            if self._db.dialect.name == "sqlite"
            else PooledSelect(self._seen_by_account, self._db)
        )
        """The poll's read straight through the driver (tasks/compiled_select.py)."""

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[AsyncSession]:
        """A session in a transaction that commits on exit, after the write lock where there is one."""
        async with self._writes or nullcontext(), self._sessions() as session, session.begin():
            yield session

    async def create(self, task: Task, admission: Admission) -> Created:
        """Store a new task after every create-time rule, atomically.

        The account row is locked first (an UPDATE that changes nothing: a row lock on
        PostgreSQL, the write lock on SQLite), so the idempotency lookup, the active-task
        count and the credit reservation of one account's concurrent creates are
        serialised and can neither double-spend nor both pass a limit.
        """
        task.id = task.id or str(uuid.uuid4())
        task.created_at = task.created_at or utcnow()
        task.updated_at = task.created_at
        if admission.cost is not None:
            task.credits, task.credit_state = admission.cost, CreditState.RESERVED.value
        async with self._transaction() as session:
            await session.execute(_LOCK_ACCOUNT, {"account_id": task.account_id}, execution_options=UNLOADED_ROWS)
            if admission.idempotency is not None:
                earlier = await self._replay(session, task.account_id, admission.idempotency)
                if earlier is not None:
                    return Created(task=earlier, replayed=True)
            await self._check_limits(session, task.account_id, admission)
            await session.execute(_INSERT_TASK, [_new_row(task)])
            if admission.cost is not None:
                await reserve_credits(session, task, admission.cost)
            if admission.idempotency is not None:
                claim = admission.idempotency
                key = {"account_id": task.account_id, "key": claim.key, "request_hash": claim.request_hash,
                       "task_id": task.id}  # fmt: skip
                await session.execute(_INSERT_IDEMPOTENCY_KEY, [key])
        return Created(task=task, replayed=False)

    @staticmethod
    async def _replay(session: AsyncSession, account_id: int, claim: IdempotencyClaim) -> Task | None:
        """The task an earlier request with this key made, or None (a stale key is forgotten)."""
        earlier = await session.scalar(
            select(IdempotencyKey).where(IdempotencyKey.account_id == account_id, IdempotencyKey.key == claim.key)
        )
        if earlier is None:
            return None
        if earlier.created_at < utcnow() - IDEMPOTENCY_TTL:
            await session.delete(earlier)
            await session.flush()
            return None
        if earlier.request_hash != claim.request_hash:
            raise IdempotencyConflict()
        return await session.get(Task, earlier.task_id)

    @staticmethod
    async def _check_limits(session: AsyncSession, account_id: int, admission: Admission) -> None:
        """Both counts in one statement (one round trip), each on its own index."""
        if not (admission.max_queued or admission.max_active):
            return
        queued, active = (await session.execute(_LIMIT_COUNTS, {"account_id": account_id})).one()
        if admission.max_queued and queued >= admission.max_queued:
            raise NotReady("The task queue is full; try again later.", retry_after=QUEUE_FULL_RETRY_AFTER)
        if admission.max_active and active >= admission.max_active:
            raise RateLimited(
                f"Too many active tasks (at most {admission.max_active} at once); wait for one to finish.",
                retry_after=ACTIVE_LIMIT_RETRY_AFTER,
            )

    async def get(self, task_id: str) -> Task | None:
        async with self._sessions() as session:
            return await session.get(Task, task_id)

    async def seen_by_account(self, task_id: str, account_id: int) -> Seen | None:
        """The poll: one indexed read."""
        row = await self._poll.first(task_id=task_id, account_id=account_id)
        return Seen.of(row) if row is not None else None

    def close(self) -> None:
        self._poll.close()

    async def get_for_account(self, task_id: str, account_id: int) -> Task | None:
        async with self._sessions() as session:
            query = select(Task).options(_NO_IMAGE).where(Task.id == task_id, Task.account_id == account_id)
            return await session.scalar(query)

    async def claim(self, task_id: str, worker_id: str, lease: timedelta) -> Task | None:
        """Take a pending task, or one whose lease expired; None if someone else holds it or it ended."""
        now = utcnow()
        async with self._transaction() as session:
            result = await session.execute(
                update(Task)
                .where(Task.id == task_id, _runnable(now))
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
            if affected_rows(result) != 1:
                return None
            task = await session.get(Task, task_id, populate_existing=True)
        assert task is not None
        return task

    async def renew(
        self, task_id: str, worker_id: str, lease: timedelta, progress: float, notes: list[str] | None = None
    ) -> bool:
        """Extend the lease and record progress (and the notes, once planned); False if the lease
        was lost or the task cancelled."""
        now = utcnow()
        planned = {"notes": notes} if notes is not None else {}
        async with self._transaction() as session:
            result = await session.execute(
                update(Task)
                .where(Task.id == task_id, Task.worker_id == worker_id, Task.status == TaskStatus.PROCESSING.value)
                .values(lease_expires_at=now + lease, progress=round(progress, 1), updated_at=now, **planned)
            )
            return affected_rows(result) == 1

    async def succeed(self, task_id: str, worker_id: str, video_key: str, **learned: Any) -> Task | None:
        """None if the task is no longer this worker's (cancelled meanwhile, or lease lost).

        `learned`: what the render found out (plan, engine, enhanced_prompt, notes), stored with the result."""
        expires = {"expires_at": utcnow() + self._retention} if self._retention is not None else {}
        return await self._finish(
            [Task.worker_id == worker_id],
            task_id,
            status=TaskStatus.SUCCEEDED.value,
            message="Video generation completed successfully",
            video_key=video_key,
            progress=100.0,
            **expires,
            **learned,
        )

    async def fail(
        self, task_id: str, worker_id: str | None, failure_code: int, message: str, notes: list[str] | None = None
    ) -> Task | None:
        """Fail a task. worker_id None: fail it whoever holds it (recovery after crashes).
        `notes`: the plan's notes when the task failed after planning (5006)."""
        conditions = [Task.worker_id == worker_id] if worker_id is not None else []
        planned = {"notes": notes} if notes is not None else {}
        return await self._finish(
            conditions, task_id, status=TaskStatus.FAILED.value, message=message, failure_code=failure_code,
            **planned,
        )

    async def cancel(self, task_id: str, account_id: int) -> Task:
        """Cancel the account's task if it has not ended: it fails with 5003, `cancelled`, refunded.

        A queued task will never be claimed; a running one learns of it at its next
        heartbeat (its lease renewal no longer matches) and stops at the next frame.
        """
        error = TaskCancelled("Task was cancelled by the client.")
        task = await self._finish(
            [Task.account_id == account_id],
            task_id,
            status=TaskStatus.FAILED.value,
            message=error.message,
            failure_code=error.code,
            cancelled=True,
        )
        if task is not None:
            return task
        if await self.get_for_account(task_id, account_id) is None:
            raise TaskNotFound()
        raise TaskNotCancellable("Task has already finished; it can no longer be cancelled.")

    async def _finish(self, conditions: list[ColumnElement[bool]], task_id: str, **values: Any) -> Task | None:
        """End an active task, settle its credits and queue its webhook, in one transaction."""
        now = utcnow()
        async with self._transaction() as session:
            result = await session.execute(
                update(Task)
                .where(Task.id == task_id, Task.status.in_(ACTIVE), *conditions)
                .values(completed_at=now, updated_at=now, lease_expires_at=None, **values)
            )
            if affected_rows(result) != 1:
                return None
            task = await session.get(Task, task_id, populate_existing=True)
            assert task is not None
            await settle_credits(session, task, succeeded=task.status == TaskStatus.SUCCEEDED.value)
            delivery = delivery_for(task, self._video_url)
            if delivery is not None:
                session.add(delivery)
        return task

    async def pending(self) -> Sequence[Row[str, str]]:
        """(id, model_name) of every pending task, oldest first: what an in-process queue must hold
        after a restart."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(Task.id, Task.model_name).where(Task.status == TaskStatus.PENDING.value).order_by(Task.created_at)
            )
            return rows.all()

    async def reclaimable(
        self, now: datetime, stale_before: datetime
    ) -> Sequence[Row[str, str, str, int, str | None]]:
        """(id, model_name, status, attempts, worker_id) of processing tasks whose lease expired (their
        worker is gone) and pending tasks not sent since `stale_before` (their message may be lost),
        oldest first.
        Not whole rows: sweepers ask every few seconds, and a data-URL image is megabytes."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(Task.id, Task.model_name, Task.status, Task.attempts, Task.worker_id)
                .where(_reclaimable(now, stale_before))
                .order_by(Task.created_at)
            )
            return rows.all()

    async def requeue(self, task_id: str, now: datetime, stale_before: datetime) -> bool:
        """Put a reclaimable task back to pending (its attempts kept); True for the one sweeper of
        many that did it, so a task is dispatched once per sweep however many workers sweep."""
        async with self._transaction() as session:
            result = await session.execute(
                update(Task)
                .where(Task.id == task_id, _reclaimable(now, stale_before))
                # A pending task only has its message sent again: nothing a client reads changes.
                .values(**_QUEUED, dispatched_at=now,
                        updated_at=case((Task.status == TaskStatus.PENDING.value, Task.updated_at), else_=now))
            )
            return affected_rows(result) == 1

    async def running_attempts(self, task_ids: set[str]) -> set[tuple[str, str]]:
        """(id, worker_id) of those of `task_ids` that are processing: the attempts still running."""
        async with self._sessions() as session:
            rows = await session.execute(
                select(Task.id, Task.worker_id).where(
                    Task.id.in_(task_ids), Task.status == TaskStatus.PROCESSING.value, Task.worker_id.is_not(None)
                )
            )
            return {(task_id, worker_id) for task_id, worker_id in rows.all()}

    async def release(self, task_id: str, worker_id: str) -> bool:
        """Hand a running task back to the queue at once, without using up the attempt (a worker
        stopping on purpose is not the task's fault); False if this worker no longer holds it."""
        now = utcnow()
        async with self._transaction() as session:
            result = await session.execute(
                update(Task)
                .where(Task.id == task_id, Task.worker_id == worker_id, Task.status == TaskStatus.PROCESSING.value)
                .values(**_QUEUED, attempts=Task.attempts - 1, updated_at=now, dispatched_at=now)
            )
            return affected_rows(result) == 1

    async def seen(self, task_id: str) -> Seen:
        """A task just created or changed, as its owner sees it now."""
        async with self._db.connect() as connection:
            row = (await connection.execute(self._seen.where(Task.id == task_id))).one()
        return Seen.of(row)

    async def list_for_account(
        self,
        account_id: int,
        *,
        status: str | None,
        after: tuple[datetime, str] | None,
        limit: int,
        oldest_first: bool = False,
    ) -> Page:
        """The account's tasks newest first (or oldest first); `after` is the (created_at, id) of
        the last one seen."""
        query = self._seen.where(Task.account_id == account_id)
        if status is not None:
            query = query.where(Task.status == status)
        if after is not None:
            created, last_id = after
            if oldest_first:
                query = query.where(or_(Task.created_at > created, and_(Task.created_at == created, Task.id > last_id)))
            else:
                query = query.where(or_(Task.created_at < created, and_(Task.created_at == created, Task.id < last_id)))
        order = (Task.created_at.asc(), Task.id.asc()) if oldest_first else (Task.created_at.desc(), Task.id.desc())
        async with self._db.connect() as connection:
            rows = (await connection.execute(query.order_by(*order).limit(limit + 1))).all()
        return Page(tasks=[Seen.of(row) for row in rows[:limit]], has_more=len(rows) > limit)

    async def expired_videos(self, now: datetime, limit: int = 100) -> Sequence[Task]:
        """Succeeded tasks past their `expires_at` whose video is still stored."""
        async with self._sessions() as session:
            rows = await session.scalars(
                select(Task)
                .where(Task.expires_at <= now, Task.video_deleted_at.is_(None), Task.video_key.is_not(None))
                .order_by(Task.expires_at)
                .limit(limit)
            )
            return rows.all()

    async def mark_video_deleted(self, task_id: str) -> None:
        async with self._transaction() as session:
            await session.execute(update(Task).where(Task.id == task_id).values(video_deleted_at=utcnow()))

    async def forget_idempotency_keys(self, now: datetime) -> int:
        """Drop keys older than their 24 h window; returns how many."""
        async with self._transaction() as session:
            result = await session.execute(
                delete(IdempotencyKey).where(IdempotencyKey.created_at < now - IDEMPOTENCY_TTL)
            )
            return affected_rows(result)


_NO_IMAGE = defer(Task.image_url)
"""A task read to act on it leaves its image (megabytes as a data URL) in the database too."""


_AHEAD = aliased(Task)

# The create path's statements, built once (building one costs more than SQLite running it).
_LOCK_ACCOUNT = (
    update(Account.__table__)
    .where(ACCOUNT_COLUMNS.id == bindparam("account_id"))
    .values(credits=ACCOUNT_COLUMNS.credits)
)
"""An UPDATE that changes nothing: a row lock on PostgreSQL, the write lock on SQLite."""
_LIMIT_COUNTS = select(
    select(func.count()).where(Task.status == TaskStatus.PENDING.value).scalar_subquery(),
    select(func.count())
    .where(Task.account_id == bindparam("account_id"), Task.status.in_(ACTIVE))
    .scalar_subquery(),
)
"""Pending tasks (the queue) and the account's active ones, each on its own index."""
# A new task's rows are written with Core: the ORM's unit of work (identity map, flush order,
# attribute history) was most of a create's CPU time, for rows nobody in the request reads back.
_INSERT_TASK = insert(Task.__table__)
_INSERT_IDEMPOTENCY_KEY = insert(IdempotencyKey.__table__)
_TASK_DEFAULTS = {
    column.key: column.default.arg
    for column in Task.__table__.columns
    if column.default is not None and column.default.is_scalar
}


def _new_row(task: Task) -> dict[str, Any]:
    """The row of a new task: its attributes, with the columns' scalar defaults (status, message,
    progress, ...) set on `task` too, so that it reads as stored."""
    for key, value in _TASK_DEFAULTS.items():
        if getattr(task, key) is None:
            setattr(task, key, value)
    return {column.key: getattr(task, column.key) for column in Task.__table__.columns}


_OWNER_COLUMNS = [column for column in Task.__table__.columns if column.key != "image_url"]


def _seen(queue_per_model: bool) -> Select[Any]:
    """A `TaskRow` with `queue_position` and the delivery's `delivery_*` state. Position 1 runs next:
    the executors take pending tasks oldest first, from one queue (embedded) or from the task's
    model's queue (distributed)."""
    ahead = select(func.count()).select_from(_AHEAD).where(
        _AHEAD.status == TaskStatus.PENDING.value, _AHEAD.created_at < Task.created_at
    )
    if queue_per_model:
        ahead = ahead.where(_AHEAD.model_name == Task.model_name)
    position = case((Task.status == TaskStatus.PENDING.value, ahead.correlate(Task).scalar_subquery() + 1), else_=None)
    return select(
        *_OWNER_COLUMNS,
        position.label("queue_position"),
        WebhookDelivery.status.label("delivery_status"),
        WebhookDelivery.attempts.label("delivery_attempts"),
        WebhookDelivery.last_status_code.label("delivery_last_status_code"),
        WebhookDelivery.last_error.label("delivery_last_error"),
    ).outerjoin(WebhookDelivery, WebhookDelivery.task_id == Task.id)


_QUEUED: dict[str, Any] = {
    "status": TaskStatus.PENDING.value,
    "message": "Task is queued.",
    "worker_id": None,
    "lease_expires_at": None,
    "progress": 0.0,
}


def _reclaimable(now: datetime, stale_before: datetime) -> ColumnElement[bool]:
    return or_(
        and_(
            Task.status == TaskStatus.PENDING.value,
            func.coalesce(Task.dispatched_at, Task.updated_at) < stale_before,
        ),
        and_(Task.status == TaskStatus.PROCESSING.value, Task.lease_expires_at < now),
    )


def _runnable(now: datetime) -> ColumnElement[bool]:
    """Pending, or processing on a lease that expired (its worker is gone)."""
    return or_(
        Task.status == TaskStatus.PENDING.value,
        and_(Task.status == TaskStatus.PROCESSING.value, Task.lease_expires_at < now),
    )
