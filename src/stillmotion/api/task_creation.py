"""Creating a task: the one domain function behind both faces' create routes.

Runs every check that can refuse a task before anything is stored (model, moderation,
image URL, callback URL), then stores it in one transaction with its credit reservation,
its Idempotency-Key and the per-account and queue limits (TaskRepository.create), and
hands it to the executor.
"""

from __future__ import annotations

import logging
import secrets
from typing import Any

from stillmotion.api.admission import admit
from stillmotion.api.schemas import MAX_SEED, CreateTaskRequest
from stillmotion.config import Settings
from stillmotion.engines.catalog import ModelCatalog
from stillmotion.executors.base import Executor, QueueUnavailable
from stillmotion.metrics import TASKS_CREATED
from stillmotion.storage import Storage
from stillmotion.tasks.credits import task_cost
from stillmotion.tasks.events import log_task_event
from stillmotion.tasks.idempotency import idempotency_claim
from stillmotion.tasks.models import Task
from stillmotion.tasks.repository import Admission, Created, TaskRepository
from stillmotion.webhooks.targets import precheck_callback_url

log = logging.getLogger("stillmotion.api")


def admission_rules(fields: dict[str, Any], settings: Settings, idempotency_key: str | None) -> Admission:
    """`fields`: the request as sent (before a seed is picked), which an Idempotency-Key is bound to."""
    return Admission(
        cost=task_cost(fields["resolution"], fields["duration"], fields["generate_audio"])
        if settings.credits_enabled else None,
        idempotency=idempotency_claim(idempotency_key, fields),
        max_active=settings.max_active_tasks,
        max_queued=settings.max_queued_tasks,
    )


async def dispatch(executor: Executor, task: Task) -> None:
    """Hand a stored task to the executor. It is accepted (stored, charged) whatever happens here:
    if the queue cannot be reached now, the reclaim sweep dispatches it once it can."""
    try:
        await executor.submit(task.id, task.model_name)
    except QueueUnavailable as exc:
        log.warning("task %s stored but not queued (%s); the reclaim sweep will queue it", task.id, exc)


async def create_task(
    body: CreateTaskRequest,
    account_id: int,
    idempotency_key: str | None,
    *,
    settings: Settings,
    tasks: TaskRepository,
    models: ModelCatalog,
    storage: Storage,
    executor: Executor,
) -> Created:
    """Admit, store and dispatch one task; an Idempotency-Key replay returns the earlier task."""
    await admit(body, settings, models, storage, account_id)
    await precheck_callback_url(body.callback_url, settings)
    fields = body.model_dump()  # once: a data-URL image makes it megabytes
    rules = admission_rules(fields, settings, idempotency_key)
    seed_requested = fields["seed"] is not None
    if not seed_requested:
        fields["seed"] = secrets.randbelow(MAX_SEED + 1)
    created = await tasks.create(Task(account_id=account_id, seed_requested=seed_requested, **fields), rules)
    if not created.replayed:
        TASKS_CREATED.labels(model=body.model_name).inc()
        log_task_event("queued", created.task.id, account=account_id, model=body.model_name,
                       resolution=body.resolution, duration=body.duration, cost=rules.cost)  # fmt: skip
        await dispatch(executor, created.task)
    return created
