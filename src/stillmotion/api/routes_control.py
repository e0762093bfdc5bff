"""Extensions for managing one's tasks: list them (newest first, cursor paginated) and cancel one."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, Field

from stillmotion.api.auth import CurrentCredential
from stillmotion.api.deps import ExecutorDep, StorageDep, TasksDep
from stillmotion.api.routes_tasks import ERRORS, success
from stillmotion.api.schemas import MAX_PAGE, TASK_STATUSES, Envelope, ErrorEnvelope
from stillmotion.api.task_views import TaskDetail, describe
from stillmotion.errors import InvalidField
from stillmotion.tasks.events import log_task_event
from stillmotion.tasks.models import TaskStatus
from stillmotion.tasks.repository import TaskRow

router = APIRouter(prefix="/api/vdr/videos", tags=["extensions"])

DEFAULT_PAGE = 20
_DIGITS = re.compile(r"[0-9]{1,9}")


class TaskPage(BaseModel):
    tasks: list[TaskDetail]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next (older) page; null on the last.")


def encode_cursor(task: TaskRow) -> str:
    raw = json.dumps([task.created_at.isoformat(), task.id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _ascii_integer(value: Any) -> Any:
    """The one rule for integers, applied to a query string: ASCII digits only. Pydantic's lax
    parsing would take "5.0", "+5" and "1_0"; a JSON body's integers refuse 5.0 too."""
    if isinstance(value, str):
        if _DIGITS.fullmatch(value) is None:
            raise ValueError("not an integer")
        return int(value)
    return value


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (created_at, id) a cursor points after; 1000 for anything we did not issue."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created, task_id = json.loads(raw)
        moment = datetime.fromisoformat(created)
        if moment.tzinfo is None or not isinstance(task_id, str):
            raise ValueError
        return moment, str(uuid.UUID(task_id))
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError, RecursionError):
        raise InvalidField("cursor must be a next_cursor value from a previous page.") from None


@router.get("/image2video", response_model=Envelope[TaskPage], responses=ERRORS)
async def list_tasks(
    credential: CurrentCredential,
    tasks: TasksDep,
    storage: StorageDep,
    status: Annotated[TaskStatus | None, Query(description=f"Only tasks in this status: {', '.join(TASK_STATUSES)}.")] = None,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page.")] = None,
    # Query first: after a validator, FastAPI would write ge/le into the schema unconverted.
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE, description="Page size."), BeforeValidator(_ascii_integer)] = DEFAULT_PAGE,
) -> JSONResponse:
    """Extension: the caller's tasks, newest first."""
    page = await tasks.list_for_account(
        credential.account_id,
        status=status.value if status is not None else None,
        after=decode_cursor(cursor) if cursor else None,
        limit=limit,
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
    return success(describe(await tasks.seen(task.id), storage))
