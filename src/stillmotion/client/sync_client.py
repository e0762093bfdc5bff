"""`Client` and `Task`: the blocking face of the SDK, on httpx.

    from stillmotion.client import Client

    with Client("http://127.0.0.1:8000", api_key="sm_...") as client:
        task = client.create("photo.jpg", prompt="clouds drift, slow push in", duration=3)
        task.wait(timeout=300, on_progress=lambda t: print(t.progress))
        task.download("out.mp4")
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from functools import cached_property
from pathlib import Path
from typing import Any

import httpx
from typing_extensions import Unpack

from stillmotion.client.auth import Connection
from stillmotion.client.errors import ClientError, NotFound, TaskFailed
from stillmotion.client.protocol import (
    TASKS_PATH,
    UPLOADS_PATH,
    CreateFields,
    ImageInput,
    create_request,
    image_to_upload,
    list_params,
    no_uploads,
    transport_error,
    unwrap,
    written_whole,
)
from stillmotion.client.state import TaskFields, TaskState
from stillmotion.client.waiting import RETRYABLE_WHILE_WAITING, WaitLoop

DEFAULT_WAIT_SECONDS = 600.0
DEFAULT_PAGE_SIZE = 50


class Client(Connection[httpx.Client]):
    """A connection to one server: `Client(base_url, api_key=...)` or `Client(base_url,
    access_key=..., secret_key=...)`. Use it as a context manager, or call `close()`."""

    _http_class = httpx.Client

    @cached_property
    def tasks(self) -> Tasks:
        return Tasks(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send one API request; the `data` of its envelope, or the typed error."""
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise transport_error(exc, self.base_url) from exc
        return unwrap(response)

    def upload(self, image: ImageInput) -> str:
        """Store a local image on the server; returns its URL for `image_url`. URLs pass through."""
        upload = image_to_upload(image)
        if upload is None:
            return str(image)
        try:
            return str(self.request("POST", UPLOADS_PATH, files={"file": upload})["image_url"])
        except NotFound:
            raise no_uploads(self.base_url) from None

    def create(
        self, image: ImageInput, prompt: str | None = None, *, idempotency_key: str | None = None,
        **fields: Unpack[CreateFields],
    ) -> Task:  # fmt: skip
        """Create a task from a URL, a local file or bytes (files and bytes are uploaded first)."""
        return self.tasks.create(image, prompt, idempotency_key=idempotency_key, **fields)

    def get(self, task_id: str) -> Task:
        return self.tasks.get(task_id)

    def models(self) -> list[dict[str, Any]]:
        """The model names this server serves, with their engines and readiness."""
        return list(self.request("GET", "/api/vdr/models")["models"])

    def download(self, url: str, path: str | Path) -> Path:
        """Stream `url` to `path` (written whole or not at all)."""
        try:
            with self._http.stream("GET", url) as response:
                if response.status_code != 200:
                    response.read()
                    unwrap(response)
                with written_whole(path) as out:
                    for chunk in response.iter_bytes():
                        out.write(chunk)
        except httpx.TransportError as exc:
            raise transport_error(exc, url) from exc
        return Path(path)


class Tasks:
    """`client.tasks`: create, get, list and cancel tasks."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self, image: ImageInput, prompt: str | None = None, *, idempotency_key: str | None = None,
        **fields: Unpack[CreateFields],
    ) -> Task:  # fmt: skip
        image_url = self._client.upload(image)
        created = self._client.request("POST", TASKS_PATH, **create_request(image_url, prompt, fields, idempotency_key))
        return self.get(created["task_id"])

    def get(self, task_id: str) -> Task:
        return Task(self._client, TaskState.from_data(self._client.request("GET", f"{TASKS_PATH}/{task_id}")))

    def list(self, *, status: str | None = None, page_size: int = DEFAULT_PAGE_SIZE) -> Iterator[Task]:
        """Every task of the account, newest first, fetching page after page as you iterate."""
        cursor: str | None = None
        while True:
            page = self._client.request("GET", TASKS_PATH, params=list_params(status, cursor, page_size))
            for data in page["tasks"]:
                yield Task(self._client, TaskState.from_data(data))
            cursor = page.get("next_cursor")
            if not cursor:
                return

    def cancel(self, task_id: str) -> Task:
        """Cancel a queued or running task (refunded); NotCancellable once it has ended."""
        data = self._client.request("POST", f"{TASKS_PATH}/{task_id}/cancel")
        return Task(self._client, TaskState.from_data(data))


class Task(TaskFields):
    """A task on the server; `state` is its latest snapshot, updated by refresh() and wait()."""

    def __init__(self, client: Client, state: TaskState) -> None:
        self._client = client
        self.state = state

    def refresh(self) -> Task:
        self.state = self._client.tasks.get(self.id).state
        return self

    def cancel(self) -> Task:
        self.state = self._client.tasks.cancel(self.id).state
        return self

    def wait(
        self, timeout: float = DEFAULT_WAIT_SECONDS, on_progress: Callable[[Task], None] | None = None
    ) -> Task:
        """Poll until the task ends, backing off from 0.5 s to 5 s between polls.

        `on_progress(task)` is called whenever status, progress or queue position changes.
        Returns the task once succeeded; raises TaskFailed if it failed (or was cancelled),
        WaitTimeout after `timeout` seconds. Rate limits and brief outages are waited out.
        """
        loop = WaitLoop(timeout)
        while True:
            retry_after = None
            try:
                self.refresh()
            except RETRYABLE_WHILE_WAITING as exc:
                retry_after = getattr(exc, "retry_after", None)
            else:
                if on_progress is not None and loop.changed(self.state):
                    on_progress(self)
                if loop.finished(self.state):
                    return self
            time.sleep(loop.pause(self.state, retry_after))

    def download(self, path: str | Path) -> Path:
        """Save the video to `path`; the task must have succeeded (call wait() first)."""
        if self.state.failed:
            raise TaskFailed(self.state)
        if not self.state.succeeded or not self.video_url:
            raise ClientError(f"task {self.id} has no video yet ({self.status}); wait() for it first")
        return self._client.download(self.video_url, path)
