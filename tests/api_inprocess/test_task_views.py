"""The task as its owner sees it (api/task_views.py `describe`), field by field, for each state a
task can be in: built from in-memory rows and the real local storage, no app, no store."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from stillmotion.api.task_views import describe
from stillmotion.config import Settings
from stillmotion.storage import Storage, create_storage
from stillmotion.tasks.models import Task, WebhookDelivery
from stillmotion.tasks.repository import Seen

T0 = datetime(2026, 12, 7, 9, 0, 0, tzinfo=timezone.utc)
T1 = datetime(2026, 12, 7, 9, 0, 30, 900000, tzinfo=timezone.utc)
T2 = datetime(2026, 12, 8, 9, 0, 30, tzinfo=timezone.utc)
S0, S1, S2 = 1796634000, 1796634030, 1796720430


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return create_storage(Settings(data_dir=tmp_path, public_url="http://files.example"))


def _task(**values: Any) -> Task:
    row = {"id": "t-1", "status": "TASK_PENDING", "message": "Task is queued.", "progress": 0.0, "created_at": T0,
           "updated_at": T0, "seed": 42, "cancelled": False, **values}  # fmt: skip
    return Task(**row)


BASE = {"task_id": "t-1", "created_at": S0, "seed": 42, "enhanced_prompt": None}


@pytest.mark.parametrize(
    ("task", "queue_position", "shown"),
    [
        pytest.param(_task(), 3,
                     {**BASE, "status": "TASK_PENDING", "message": "Task is queued.", "progress": 0, "updated_at": S0,
                      "completed_at": None, "failure_code": None, "queue_position": 3}, id="pending"),
        pytest.param(_task(status="TASK_PROCESSING", progress=57.9, updated_at=T1, notes=[]), None,
                     {**BASE, "status": "TASK_PROCESSING", "message": "Task is queued.", "progress": 57,
                      "updated_at": S1, "completed_at": None, "failure_code": None, "notes": []}, id="processing"),
        pytest.param(_task(status="TASK_SUCCEEDED", message="Video generation completed successfully", progress=100.0,
                           video_key="t-1.mp4", updated_at=T1, completed_at=T1, expires_at=T2,
                           enhanced_prompt="waves, slow push in", notes=["a note"]), None,
                     {**BASE, "status": "TASK_SUCCEEDED", "message": "Video generation completed successfully",
                      "video_url": "http://files.example/files/videos/t-1.mp4", "progress": 100, "updated_at": S1,
                      "completed_at": S1, "failure_code": None, "expires_at": S2,
                      "enhanced_prompt": "waves, slow push in", "notes": ["a note"]}, id="succeeded"),
        pytest.param(_task(status="TASK_SUCCEEDED", message="Video generation completed successfully", progress=100.0,
                           video_key="t-1.mp4", completed_at=T1, expires_at=T2, video_deleted_at=T2), None,
                     {**BASE, "status": "TASK_SUCCEEDED",
                      "message": "Video generation completed successfully. The video expired and was deleted.",
                      "progress": 100, "updated_at": S0, "completed_at": S1, "failure_code": None, "expires_at": S2,
                      "video_url": "http://files.example/files/videos/t-1.mp4", "video_deleted": True},
                     id="expired"),
        pytest.param(_task(status="TASK_SUCCEEDED", message="done", progress=100.0, completed_at=T1), None,
                     {**BASE, "status": "TASK_SUCCEEDED", "message": "done", "progress": 100, "updated_at": S0,
                      "completed_at": S1, "failure_code": None}, id="succeeded-without-a-video"),
        pytest.param(_task(status="TASK_FAILED", message="Task was cancelled by the client.", failure_code=5003,
                           cancelled=True, completed_at=T1, video_key="t-1.mp4"), None,
                     {**BASE, "status": "TASK_FAILED", "message": "Task was cancelled by the client.", "progress": 0,
                      "updated_at": S0, "completed_at": S1, "failure_code": 5003, "cancelled": True}, id="cancelled"),
    ],
)  # fmt: skip
def test_a_task_is_described(storage: Storage, task: Task, queue_position: int | None, shown: dict[str, Any]) -> None:
    assert describe(Seen(task, queue_position, None), storage) == shown


@pytest.mark.parametrize(
    ("delivery", "callback"),
    [
        (None, {"status": "waiting", "attempts": 0, "last_status_code": None, "last_error": None}),
        (WebhookDelivery(status="pending", attempts=2, last_status_code=502, last_error="bad gateway"),
         {"status": "pending", "attempts": 2, "last_status_code": 502, "last_error": "bad gateway"}),
        (WebhookDelivery(status="succeeded", attempts=1, last_status_code=200, last_error=None),
         {"status": "succeeded", "attempts": 1, "last_status_code": 200, "last_error": None}),
    ],
)  # fmt: skip
def test_a_callback_shows_its_delivery(storage: Storage, delivery: WebhookDelivery | None, callback: dict[str, Any]) -> None:
    task = _task(callback_url="https://example.com/hook")
    assert describe(Seen(task, 1, delivery), storage)["callback"] == callback


def test_no_callback_url_means_no_callback(storage: Storage) -> None:
    delivery = WebhookDelivery(status="succeeded", attempts=1)
    assert "callback" not in describe(Seen(_task(callback_url=""), 1, delivery), storage)
