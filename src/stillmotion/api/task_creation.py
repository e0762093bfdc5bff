"""Creating a task: the one domain function behind both faces' create routes.

Runs every check that can refuse a task before anything is stored (model, moderation,
image URL, callback URL), then stores it in one transaction with its credit reservation,
its Idempotency-Key and the per-account and queue limits (TaskRepository.create), and
hands it to the executor.
"""

from __future__ import annotations

import secrets
from typing import Any

from starlette.datastructures import State

from stillmotion.api.admission import admit
from stillmotion.api.schemas import MAX_SEED, CreateTaskRequest
from stillmotion.config import Settings
from stillmotion.metrics import TASKS_CREATED
from stillmotion.tasks.credits import task_cost
from stillmotion.tasks.idempotency import idempotency_claim
from stillmotion.tasks.models import Task
from stillmotion.tasks.repository import Admission, Created
from stillmotion.webhooks.targets import precheck_callback_url


def admission_rules(fields: dict[str, Any], settings: Settings, idempotency_key: str | None) -> Admission:
    """`fields`: the request as sent (before a seed is picked), which an Idempotency-Key is bound to."""
    return Admission(
        cost=task_cost(fields["resolution"], fields["duration"], fields["generate_audio"])
        if settings.credits_enabled else None,
        idempotency=idempotency_claim(idempotency_key, fields),
        max_active=settings.max_active_tasks,
        max_queued=settings.max_queued_tasks,
    )


async def create_task(
    body: CreateTaskRequest, account_id: int, state: State, idempotency_key: str | None = None
) -> Created:
    """Admit, store and submit one task; an Idempotency-Key replay returns the earlier task."""
    await admit(body, state.settings, state.engines, account_id)
    await precheck_callback_url(body.callback_url, state.settings)
    fields = body.model_dump()  # once: a data-URL image makes it megabytes
    rules = admission_rules(fields, state.settings, idempotency_key)
    seed_requested = fields["seed"] is not None
    if not seed_requested:
        fields["seed"] = secrets.randbelow(MAX_SEED + 1)
    created: Created = await state.tasks.create(
        Task(account_id=account_id, seed_requested=seed_requested, **fields), rules
    )
    if not created.replayed:
        TASKS_CREATED.labels(model=body.model_name).inc()
        state.executor.submit(created.task.id)
    return created
