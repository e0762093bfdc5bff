"""The query answer with the control extensions: queue position, retention, cancel, callback.

`TaskDetail` extends the schema's `TaskView` with fields that are present only when they
apply (SPEC: "always present or always absent by status"): `queue_position` while pending,
`expires_at` and `video_deleted` with retention, `cancelled` for a cancelled task,
`callback` when the task has a callback_url, `notes` once the engine has planned the task.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from stillmotion.api.schemas import TaskView
from stillmotion.storage import Storage
from stillmotion.tasks.models import TaskStatus
from stillmotion.tasks.repository import DeliveryState, Seen, TaskRow
from stillmotion.webhooks.outbox import unix_seconds

_OPTIONAL = ("queue_position", "expires_at", "video_deleted", "cancelled", "callback", "notes")


class CallbackState(BaseModel):
    status: Literal["waiting", "pending", "succeeded", "failed"] = Field(
        description="waiting: the task has not ended; pending: being delivered or retried."
    )
    attempts: int = Field(description="Attempts made so far (at most 4: the first and 3 retries).")
    last_status_code: int | None = None
    last_error: str | None = None


class TaskDetail(TaskView):
    queue_position: int | None = Field(default=None, description="Extension, while pending: 1 runs next.")
    expires_at: int | None = Field(
        default=None, description="Extension, with retention: unix seconds when the video is (was) deleted."
    )
    video_deleted: bool | None = Field(default=None, description="Extension: true once retention deleted the video.")
    cancelled: bool | None = Field(default=None, description="Extension: true for a cancelled task (TASK_FAILED, 5003).")
    callback: CallbackState | None = Field(default=None, description="Extension: the callback's delivery state.")
    notes: list[str] | None = Field(
        default=None,
        description="Extension, once the engine has planned the task: what the prompt asked for that is not "
        "rendered, each naming the prompt's words and why (empty when everything asked for is rendered).",
    )

    def to_json(self) -> dict[str, Any]:
        body = super().to_json()
        for name in _OPTIONAL:
            if body.get(name) is None:
                body.pop(name, None)
        return body


def describe(seen: Seen, storage: Storage) -> dict[str, Any]:
    """The JSON `data` of one task as its owner sees it."""
    task = seen.task
    succeeded = task.status == TaskStatus.SUCCEEDED.value
    message = task.message
    if task.video_deleted_at is not None:
        message = f"{message}. The video expired and was deleted."
    detail = TaskDetail(
        task_id=task.id,
        status=task.status,  # type: ignore[arg-type]
        message=message,
        video_url=storage.video_url(task.video_key) if succeeded and task.video_key else None,
        progress=int(task.progress),
        created_at=unix_seconds(task.created_at),  # type: ignore[arg-type]
        updated_at=unix_seconds(task.updated_at),  # type: ignore[arg-type]
        completed_at=unix_seconds(task.completed_at),
        seed=task.seed,
        enhanced_prompt=task.enhanced_prompt,
        failure_code=task.failure_code,
        queue_position=seen.queue_position,
        expires_at=unix_seconds(task.expires_at),
        video_deleted=True if task.video_deleted_at is not None else None,
        cancelled=True if task.cancelled else None,
        callback=_callback_state(task, seen.delivery),
        notes=list(task.notes) if task.notes is not None else None,
    )
    return detail.to_json()


def _callback_state(task: TaskRow, delivery: DeliveryState | None) -> CallbackState | None:
    if not task.callback_url:
        return None
    if delivery is None:
        return CallbackState(status="waiting", attempts=0)
    return CallbackState(
        status=delivery.status,  # type: ignore[arg-type]
        attempts=delivery.attempts,
        last_status_code=delivery.last_status_code,
        last_error=delivery.last_error,
    )
