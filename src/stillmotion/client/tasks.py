"""What the sync and async clients share: task snapshots, request bodies, answers, polling pace.

Everything here is plain data and pure functions, no I/O, so `Client` and `AsyncClient`
differ only in how they send requests and sleep.
"""

from __future__ import annotations

import mimetypes
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypedDict, Union

import httpx

from stillmotion.client.errors import (
    APIError,
    ClientError,
    RateLimited,
    ServiceUnavailable,
    TaskFailed,
    TransportError,
    WaitTimeout,
    api_error,
)

PENDING, PROCESSING, SUCCEEDED, FAILED = "TASK_PENDING", "TASK_PROCESSING", "TASK_SUCCEEDED", "TASK_FAILED"
TERMINAL = frozenset({SUCCEEDED, FAILED})
DEFAULT_MODEL = "bach-1.0-preview"

TASKS_PATH = "/api/vdr/videos/image2video"
UPLOADS_PATH = "/api/vdr/uploads"

ImageInput = Union[str, "os.PathLike[str]", bytes]
"""An http(s) or data: URL (sent as is), a local file path (uploaded first), or image bytes (uploaded)."""

# wait(): poll quickly at first (short videos finish in seconds), then back off so a long
# render is not polled hundreds of times.
RETRYABLE_WHILE_WAITING = (RateLimited, ServiceUnavailable, TransportError)
FIRST_POLL_SECONDS = 0.5
POLL_GROWTH = 1.5
MAX_POLL_SECONDS = 5.0


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


class CreateFields(TypedDict, total=False):
    """The create request's fields besides the image and the prompt (SPEC "Create: request fields")."""

    model_name: str
    negative_prompt: str
    resolution: Literal["720p", "1080p"]
    duration: int
    fps: Literal[24, 30]
    cfg_scale: float
    seed: int
    enhance_prompt: bool
    generate_audio: bool
    audio_prompt: str
    callback_url: str
    enable_moderation: bool


# The server requires these three; the SDK picks them like the CLI does, so create(image) works.
CREATE_DEFAULTS: CreateFields = {"model_name": DEFAULT_MODEL, "resolution": "720p", "duration": 5}


def create_body(image_url: str, prompt: str | None, fields: CreateFields) -> dict[str, Any]:
    """The create request: defaults, then the given fields; None left out so the server applies its own."""
    body: dict[str, Any] = {**CREATE_DEFAULTS, "image_url": image_url, "prompt": prompt, **fields}
    return {name: value for name, value in body.items() if value is not None}


def create_request(
    image_url: str, prompt: str | None, fields: CreateFields, idempotency_key: str | None
) -> dict[str, Any]:
    """The keyword arguments of the create POST (its JSON body and its optional Idempotency-Key)."""
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    return {"json": create_body(image_url, prompt, fields), "headers": headers}


def no_uploads(base_url: str) -> ClientError:
    """What a 404 from the upload endpoint means: a server with only the document's endpoints."""
    return ClientError(f"{base_url} has no upload endpoint: pass an http(s) image URL instead of a file")


def image_to_upload(image: ImageInput) -> tuple[str, bytes, str] | None:
    """(file name, bytes, media type) when `image` must be uploaded first; None for a URL."""
    if isinstance(image, bytes):
        return "image", image, "application/octet-stream"
    if isinstance(image, str) and image.split(":", 1)[0].lower() in ("http", "https", "data"):
        return None
    path = Path(image)
    if not path.is_file():
        raise FileNotFoundError(f"no image file at {path}")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.name, path.read_bytes(), media_type


def unwrap(response: httpx.Response) -> Any:
    """The `data` of a success envelope; the typed APIError of an error envelope."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "code" not in body:
        snippet = response.text[:200].strip()
        raise APIError(response.status_code, f"HTTP {response.status_code} without an API envelope: {snippet}",
                       response.status_code)  # fmt: skip
    if body["code"] != 200:
        retry_after = response.headers.get("retry-after")
        raise api_error(
            int(body["code"]), str(body.get("message", "")), response.status_code,
            float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None,
        )
    return body.get("data")


def transport_error(exc: httpx.TransportError, base_url: str) -> TransportError:
    return TransportError(f"could not reach {base_url}: {exc.__class__.__name__}: {exc}".rstrip(": "), exc)


class WaitLoop:
    """The decisions of wait(), shared by the sync and async tasks: when to report progress,
    when to stop, how long to sleep. Polls back off from 0.5 s to 5 s; a rate limit's
    Retry-After is honoured; the total deadline is never overslept."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._deadline = time.monotonic() + timeout
        self._delay = FIRST_POLL_SECONDS
        self._seen: tuple[Any, ...] | None = None

    def changed(self, state: TaskState) -> bool:
        """True when status, progress or queue position differ from the last poll's."""
        shown = (state.status, state.progress, state.queue_position)
        changed, self._seen = shown != self._seen, shown
        return changed

    @staticmethod
    def finished(state: TaskState) -> bool:
        """True once succeeded; TaskFailed once failed."""
        if state.failed:
            raise TaskFailed(state)
        return state.succeeded

    def pause(self, state: TaskState, retry_after: float | None = None) -> float:
        """Seconds to sleep before the next poll; WaitTimeout when the deadline has passed."""
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(state, self.timeout)
        delay = max(self._delay, retry_after or 0)
        self._delay = min(self._delay * POLL_GROWTH, MAX_POLL_SECONDS)
        return min(delay, remaining)


@contextmanager
def written_whole(path: str | Path) -> Iterator[BinaryIO]:
    """A file to write `path` through: renamed into place on success, removed on any error."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("wb") as out:
            yield out
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def list_params(status: str | None, cursor: str | None, page_size: int) -> dict[str, str]:
    params = {"limit": str(page_size)}
    if status is not None:
        params["status"] = status
    if cursor is not None:
        params["cursor"] = cursor
    return params



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
