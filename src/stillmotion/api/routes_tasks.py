"""Create and query image2video tasks: the document's two endpoints.

Create runs every check that can refuse a task before anything is stored (fields, model,
image URL, callback URL), then stores it in one transaction with its credit reservation,
its Idempotency-Key and the per-account and queue limits (TaskRepository.create).
"""

from __future__ import annotations

import logging
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Body, Header
from fastapi.responses import JSONResponse, ORJSONResponse

from stillmotion.api.admission import admit
from stillmotion.api.auth import CurrentCredential
from stillmotion.api.deps import (
    ExecutorDep,
    ModelsDep,
    SettingsDep,
    StorageDep,
    TasksDep,
)
from stillmotion.api.schemas import (
    MAX_SEED,
    CreatedTask,
    CreateTaskRequest,
    Envelope,
    ErrorEnvelope,
)
from stillmotion.api.task_views import TaskDetail, describe
from stillmotion.config import Settings
from stillmotion.errors import TaskNotFound
from stillmotion.executors.base import Executor, QueueUnavailable
from stillmotion.metrics import TASKS_CREATED
from stillmotion.tasks.credits import task_cost
from stillmotion.tasks.events import log_task_event
from stillmotion.tasks.idempotency import idempotency_claim
from stillmotion.tasks.models import Task
from stillmotion.tasks.repository import Admission
from stillmotion.webhooks.outbox import unix_seconds
from stillmotion.webhooks.targets import precheck_callback_url

router = APIRouter(prefix="/api/vdr/videos", tags=["image2video"])
log = logging.getLogger("stillmotion.api")

ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope, "description": "1000 invalid field, 1001 image rejected"},
    401: {"model": ErrorEnvelope, "description": "1100 missing header, 1101 invalid token"},
    404: {"model": ErrorEnvelope, "description": "1200 task not found"},
    429: {"model": ErrorEnvelope, "description": "1303 rate limit exceeded (Retry-After)"},
}
_CREATE_ERRORS: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    403: {"model": ErrorEnvelope, "description": "1302 insufficient credits"},
    409: {"model": ErrorEnvelope, "description": "1202 Idempotency-Key reused with a different body"},
    413: {"model": ErrorEnvelope, "description": "1003 body too large"},
    503: {"model": ErrorEnvelope, "description": "5001 task queue full (Retry-After)"},
}


def success(data: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    """The success envelope. Returned as a response so optional fields stay absent, not null."""
    return ORJSONResponse({"code": 200, "message": "Success", "data": data}, headers=headers)


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


@router.post("/image2video", response_model=Envelope[CreatedTask], responses=_CREATE_ERRORS)
async def create_task(
    body: Annotated[CreateTaskRequest, Body()],
    credential: CurrentCredential,
    settings: SettingsDep,
    tasks: TasksDep,
    models: ModelsDep,
    storage: StorageDep,
    executor: ExecutorDep,
    idempotency_key: Annotated[
        str | None,
        Header(description="Extension: the same key and body within 24 h return the same task, charged once."),
    ] = None,
) -> JSONResponse:
    await admit(body, settings, models, storage, credential.account_id)
    await precheck_callback_url(body.callback_url, settings)
    fields = body.model_dump()  # once: a data-URL image makes it megabytes
    rules = admission_rules(fields, settings, idempotency_key)
    seed_requested = fields["seed"] is not None
    if not seed_requested:
        fields["seed"] = secrets.randbelow(MAX_SEED + 1)
    created = await tasks.create(
        Task(account_id=credential.account_id, seed_requested=seed_requested, **fields), rules
    )
    if not created.replayed:
        TASKS_CREATED.labels(model=body.model_name).inc()
        log_task_event("queued", created.task.id, account=credential.account_id, model=body.model_name,
                       resolution=body.resolution, duration=body.duration, cost=rules.cost)
        await dispatch(executor, created.task)
    headers = {"Idempotent-Replayed": "true"} if created.replayed else None
    return success({"task_id": created.task.id, "create_at": unix_seconds(created.task.created_at)}, headers)


@router.get("/image2video/{task_id}", response_model=Envelope[TaskDetail], responses=ERRORS)
async def get_task(task_id: str, credential: CurrentCredential, tasks: TasksDep, storage: StorageDep) -> JSONResponse:
    seen = await tasks.seen_by_account(task_id, credential.account_id)
    if seen is None:
        raise TaskNotFound()
    return success(describe(seen, storage))
