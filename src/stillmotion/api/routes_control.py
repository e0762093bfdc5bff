"""Extensions for managing one's tasks: list them (newest first, cursor paginated) and cancel one."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from stillmotion.api.auth import CurrentCredential
from stillmotion.api.deps import ExecutorDep, StorageDep, TasksDep
from stillmotion.api.routes_tasks import ERRORS, success
from stillmotion.api.schemas import Envelope, ErrorEnvelope
from stillmotion.api.task_views import TaskDetail, describe
from stillmotion.errors import InvalidField
from stillmotion.tasks.events import log_task_event
from stillmotion.tasks.models import Task, TaskStatus

router = APIRouter(prefix="/api/vdr/videos", tags=["extensions"])

MAX_PAGE = 100
DEFAULT_PAGE = 20
_STATUSES = [status.value for status in TaskStatus]


class TaskPage(BaseModel):
    tasks: list[TaskDetail]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last.")


def encode_cursor(task: Task) -> str:
    raw = json.dumps([task.created_at.isoformat(), task.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def parse_status(value: str | None) -> str | None:
    """Checked here, not by the framework, so a bad value gets a 1000 that names the rule."""
    if value is not None and value not in _STATUSES:
        raise InvalidField(f"status must be one of {', '.join(_STATUSES)}.")
    return value


def parse_limit(value: str | None) -> int:
    if value is None:
        return DEFAULT_PAGE
    if not value.isdigit() or not 1 <= int(value) <= MAX_PAGE:
        raise InvalidField(f"limit must be an integer between 1 and {MAX_PAGE}.")
    return int(value)


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created_at, id) a cursor points after; 1000 for anything we did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, task_id = json.loads(raw)
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None or not isinstance(task_id, str):
            raise ValueError
        return moment, task_id
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        raise InvalidField("cursor must be a next_cursor value from a previous page.") from None


@router.get("/image2video", response_model=Envelope[TaskPage], responses=ERRORS)
async def list_tasks(
    credential: CurrentCredential,
    tasks: TasksDep,
    storage: StorageDep,
    status: Annotated[str | None, Query(description=f"Only tasks in this status: {', '.join(_STATUSES)}.")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    limit: Annotated[str | None, Query(description=f"Page size, 1..{MAX_PAGE} (default {DEFAULT_PAGE}).")] = None,
) -> JSONResponse:
    """Extension: the caller's tasks, newest first."""
    page = await tasks.list_for_account(
        credential.account_id,
        status=parse_status(status),
        after=decode_cursor(cursor) if cursor else None,
        limit=parse_limit(limit),
    )
    described = [describe(seen, storage) for seen in page.tasks]
    next_cursor = encode_cursor(page.tasks[-1].task) if page.has_more else None
    return success({"tasks": described, "next_cursor": next_cursor})


@router.post(
    "/image2video/{task_id}/cancel",
    response_model=Envelope[TaskDetail],
    responses={**ERRORS, 409: {"model": ErrorEnvelope, "description": "1201 task already finished"}},
)
async def cancel_task(
    task_id: str,
    credential: CurrentCredential,
    tasks: TasksDep,
    storage: StorageDep,
    executor: ExecutorDep,
) -> JSONResponse:
    """Extension: a queued task is dropped, a running one stops at its next frame; either way it
    ends TASK_FAILED with `cancelled: true` and failure_code 5003, and its credits are refunded."""
    task = await tasks.cancel(task_id, credential.account_id)
    log_task_event("cancelled", task.id, account=credential.account_id)
    await executor.cancel(task.id)
    return success(describe(await tasks.seen(task), storage))
