"""A task as the API answers it: the status names, one snapshot (`TaskState`), and the read-only
properties (`TaskFields`) that `Task` and `AsyncTask` share."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PENDING, PROCESSING, SUCCEEDED, FAILED = "TASK_PENDING", "TASK_PROCESSING", "TASK_SUCCEEDED", "TASK_FAILED"
TERMINAL = frozenset({SUCCEEDED, FAILED})


@dataclass(frozen=True)
class TaskState:
    """One snapshot of a task as the query endpoint answered it.

    The document's fields (`id`, `status`, `message`, `video_url`) are always there; the
    server's extensions are None when the server does not send them.
    """

    id: str
    status: str
    message: str
    video_url: str | None = None
    progress: int | None = None
    queue_position: int | None = None
    seed: int | None = None
    enhanced_prompt: str | None = None
    failure_code: int | None = None
    cancelled: bool = False
    notes: list[str] = field(default_factory=list)
    created_at: int | None = None
    updated_at: int | None = None
    completed_at: int | None = None
    expires_at: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> TaskState:
        return cls(
            id=data["task_id"],
            status=data["status"],
            message=data.get("message", ""),
            video_url=data.get("video_url"),
            progress=data.get("progress"),
            queue_position=data.get("queue_position"),
            seed=data.get("seed"),
            enhanced_prompt=data.get("enhanced_prompt"),
            failure_code=data.get("failure_code"),
            cancelled=bool(data.get("cancelled", False)),
            notes=list(data.get("notes") or []),
            created_at=data.get("created_at"),
            updated_at=data.get("updated_at"),
            completed_at=data.get("completed_at"),
            expires_at=data.get("expires_at"),
            raw=data,
        )

    @property
    def done(self) -> bool:
        return self.status in TERMINAL

    @property
    def succeeded(self) -> bool:
        return self.status == SUCCEEDED

    @property
    def failed(self) -> bool:
        return self.status == FAILED


class TaskFields:
    """Read access to the latest snapshot (`state`), shared by `Task` and `AsyncTask`."""

    state: TaskState

    @property
    def id(self) -> str:
        return self.state.id

    @property
    def status(self) -> str:
        """TASK_PENDING, TASK_PROCESSING, TASK_SUCCEEDED or TASK_FAILED."""
        return self.state.status

    @property
    def message(self) -> str:
        return self.state.message

    @property
    def progress(self) -> int | None:
        return self.state.progress

    @property
    def queue_position(self) -> int | None:
        return self.state.queue_position

    @property
    def video_url(self) -> str | None:
        return self.state.video_url

    @property
    def seed(self) -> int | None:
        return self.state.seed

    @property
    def failure_code(self) -> int | None:
        return self.state.failure_code

    @property
    def notes(self) -> list[str]:
        """What the engine renders of the prompt, weakly or not at all (empty until it has planned)."""
        return self.state.notes

    @property
    def done(self) -> bool:
        return self.state.done

    @property
    def succeeded(self) -> bool:
        return self.state.succeeded

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.id} {self.status} {self.progress}%>"
