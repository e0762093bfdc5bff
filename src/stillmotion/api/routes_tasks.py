"""Create and query image2video tasks: the document's two endpoints."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request
from fastapi.responses import JSONResponse

from stillmotion.api.admission import admit
from stillmotion.api.auth import CurrentCredential
from stillmotion.api.schemas import MAX_SEED, CreatedTask, CreateTaskRequest, Envelope, ErrorEnvelope, TaskView
from stillmotion.errors import TaskNotFound
from stillmotion.tasks.models import Task, TaskStatus

router = APIRouter(prefix="/api/vdr/videos", tags=["image2video"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorEnvelope, "description": "1000 invalid field, 1001 image rejected"},
    401: {"model": ErrorEnvelope, "description": "1100 missing header, 1101 invalid token"},
    404: {"model": ErrorEnvelope, "description": "1200 task not found"},
    413: {"model": ErrorEnvelope, "description": "1003 body too large"},
}


def success(data: Any) -> JSONResponse:
    """The success envelope. Returned as a response so optional fields stay absent, not null."""
    return JSONResponse({"code": 200, "message": "Success", "data": data})


def unix(value: Any) -> int | None:
    return int(value.timestamp()) if value is not None else None


def task_view(task: Task, request: Request) -> TaskView:
    storage = request.app.state.storage
    succeeded = task.status == TaskStatus.SUCCEEDED.value
    return TaskView(
        task_id=task.id,
        status=task.status,
        message=task.message,
        video_url=storage.video_url(task.video_key) if succeeded and task.video_key else None,
        progress=int(task.progress),
        created_at=unix(task.created_at),
        updated_at=unix(task.updated_at),
        completed_at=unix(task.completed_at),
        seed=task.seed,
        enhanced_prompt=task.enhanced_prompt,
        failure_code=task.failure_code,
    )


@router.post("/image2video", response_model=Envelope[CreatedTask], responses=_ERRORS)
async def create_task(
    body: Annotated[CreateTaskRequest, Body()], credential: CurrentCredential, request: Request
) -> JSONResponse:
    state = request.app.state
    await admit(body, state.settings, state.engines)
    fields = body.model_dump()
    seed_requested = fields["seed"] is not None
    if not seed_requested:
        fields["seed"] = secrets.randbelow(MAX_SEED + 1)
    task = await state.tasks.add(Task(account_id=credential.account_id, seed_requested=seed_requested, **fields))
    state.executor.submit(task.id)
    return success({"task_id": task.id, "create_at": unix(task.created_at)})


@router.get("/image2video/{task_id}", response_model=Envelope[TaskView], responses=_ERRORS)
async def get_task(task_id: str, credential: CurrentCredential, request: Request) -> JSONResponse:
    task = await request.app.state.tasks.get_for_account(task_id, credential.account_id)
    if task is None:
        raise TaskNotFound()
    return success(task_view(task, request).to_json())
