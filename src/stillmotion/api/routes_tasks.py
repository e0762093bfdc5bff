"""Create and query image2video tasks: the document's two endpoints, and (extension) the running
task's preview image.

Create is `task_creation.create_task`, shared with the OpenAI-style face.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Header
from fastapi.responses import JSONResponse, Response

from stillmotion.api import task_creation
from stillmotion.api.auth import CurrentCredential
from stillmotion.api.deps import ExecutorDep, ModelsDep, SettingsDep, StorageDep, TasksDep
from stillmotion.api.schemas import CreatedTask, CreateTaskRequest, Envelope, ErrorEnvelope
from stillmotion.api.task_views import TaskDetail, describe
from stillmotion.errors import NotReady, StorageFailure, TaskNotFound
from stillmotion.tasks.models import TaskStatus
from stillmotion.webhooks.outbox import unix_seconds

router = APIRouter(prefix="/api/vdr/videos", tags=["image2video"])

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
    503: {"model": ErrorEnvelope, "description": "5001 task queue full, or the model is not ready (Retry-After)"},
}


class _OrjsonResponse(JSONResponse):
    """Rendered by orjson: several times faster than the standard encoder on the polled GET.
    (FastAPI's own ORJSONResponse is deprecated from 0.165 and warns on every answer.)"""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def success(data: Any, headers: dict[str, str] | None = None) -> JSONResponse:
    """The success envelope. Returned as a response so optional fields stay absent, not null."""
    return _OrjsonResponse({"code": 200, "message": "Success", "data": data}, headers=headers)


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
    created = await task_creation.create_task(
        body, credential.account_id, idempotency_key,
        settings=settings, tasks=tasks, models=models, storage=storage, executor=executor,
    )  # fmt: skip
    headers = {"Idempotent-Replayed": "true"} if created.replayed else None
    return success({"task_id": created.task.id, "create_at": unix_seconds(created.task.created_at)}, headers)


@router.get("/image2video/{task_id}", response_model=Envelope[TaskDetail], responses=ERRORS)
async def get_task(task_id: str, credential: CurrentCredential, tasks: TasksDep, storage: StorageDep) -> JSONResponse:
    seen = await tasks.seen_by_account(task_id, credential.account_id)
    if seen is None:
        raise TaskNotFound()
    return success(describe(seen, storage))


PREVIEW_RETRY_SECONDS = 5


@router.get(
    "/image2video/{task_id}/preview",
    tags=["extensions"],
    response_class=Response,
    responses={
        200: {"content": {"image/jpeg": {}}, "description": "The latest preview: a JPEG 256 px wide"},
        401: ERRORS[401],
        404: {"model": ErrorEnvelope, "description": "1200 task not found, or it has no preview now"},
        429: ERRORS[429],
        503: {"model": ErrorEnvelope, "description": "5001 storage cannot be read now (Retry-After)"},
    },
)
async def get_preview(task_id: str, credential: CurrentCredential, tasks: TasksDep, storage: StorageDep) -> Response:
    """Extension: a low-resolution look at the running task's current latent (models served with
    `"preview": true`), replaced after each denoising step. Only while the task is processing:
    before its first step, after it ends, and for models without a preview, 404/1200."""
    seen = await tasks.seen_by_account(task_id, credential.account_id)
    if seen is None:
        raise TaskNotFound()
    preview = None
    if seen.task.status == TaskStatus.PROCESSING.value:
        try:
            preview = await asyncio.to_thread(storage.read_preview, task_id)
        except StorageFailure as failure:
            raise NotReady("The preview cannot be read now.", retry_after=PREVIEW_RETRY_SECONDS) from failure
    if preview is None:
        raise TaskNotFound("The task has no preview image now.")
    return Response(preview, media_type="image/jpeg", headers={"Cache-Control": "no-store"})
