"""What a finished task's callback says, written as a pending delivery in the transaction
that finishes the task (the outbox pattern: no finished task without its webhook row)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

from stillmotion.tasks.models import DeliveryStatus, Task, TaskStatus, WebhookDelivery


def unix_seconds(value: Any) -> int | None:
    return int(value.timestamp()) if value is not None else None


def callback_payload(task: Task, video_url: Callable[[str], str] | None) -> dict[str, Any]:
    """SPEC "Callback": task_id, status, video_url (when succeeded), created_at, completed_at,
    and the extension `message` (plus `failure_code`, `cancelled` and `notes` when they apply)."""
    payload: dict[str, Any] = {"task_id": task.id, "status": task.status}
    if task.status == TaskStatus.SUCCEEDED.value and task.video_key and video_url is not None:
        payload["video_url"] = video_url(task.video_key)
    payload["created_at"] = unix_seconds(task.created_at)
    payload["completed_at"] = unix_seconds(task.completed_at)
    payload["message"] = task.message
    if task.failure_code is not None:
        payload["failure_code"] = task.failure_code
    if task.cancelled:
        payload["cancelled"] = True
    if task.notes is not None:
        payload["notes"] = list(task.notes)
    return payload


def delivery_for(task: Task, video_url: Callable[[str], str] | None) -> WebhookDelivery | None:
    """The delivery row to add for a task that just ended, or None without a callback_url."""
    if not task.callback_url:
        return None
    body = json.dumps(callback_payload(task, video_url), separators=(",", ":"))
    return WebhookDelivery(
        id="msg_" + uuid.uuid4().hex,
        task_id=task.id,
        account_id=task.account_id,
        url=task.callback_url,
        body=body,
        status=DeliveryStatus.PENDING.value,
        attempts=0,
        next_attempt_at=task.completed_at,  # due at once: the first attempt follows the end
    )
