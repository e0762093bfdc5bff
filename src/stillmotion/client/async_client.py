"""`AsyncClient` and `AsyncTask`: the asyncio face of the SDK, the same calls awaited.

    async with AsyncClient("http://127.0.0.1:8000", api_key="sm_...") as client:
        task = await client.create("photo.jpg", prompt="waves roll in", duration=3)
        await task.wait(timeout=300)
        await task.download("out.mp4")
        async for each in client.tasks.list():
            print(each.id, each.status)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
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
from stillmotion.client.sync_client import DEFAULT_PAGE_SIZE, DEFAULT_WAIT_SECONDS
from stillmotion.client.waiting import RETRYABLE_WHILE_WAITING, WaitLoop

ProgressCallback = Callable[["AsyncTask"], "Awaitable[None] | None"]


class AsyncClient(Connection[httpx.AsyncClient]):
    """Like `Client`, for asyncio: every call that talks to the server is awaited."""

    _http_class = httpx.AsyncClient

    @cached_property
    def tasks(self) -> AsyncTasks:
        return AsyncTasks(self)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._http.aclose()

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            raise transport_error(exc, self.base_url) from exc
        return unwrap(response)

    async def upload(self, image: ImageInput) -> str:
        upload = await asyncio.to_thread(image_to_upload, image)  # reads the file off the loop
        if upload is None:
            return str(image)
        try:
            return str((await self.request("POST", UPLOADS_PATH, files={"file": upload}))["image_url"])
        except NotFound:
            raise no_uploads(self.base_url) from None

    async def create(
        self, image: ImageInput, prompt: str | None = None, *, idempotency_key: str | None = None,
        **fields: Unpack[CreateFields],
    ) -> AsyncTask:  # fmt: skip
        return await self.tasks.create(image, prompt, idempotency_key=idempotency_key, **fields)

    async def get(self, task_id: str) -> AsyncTask:
        return await self.tasks.get(task_id)

    async def models(self) -> list[dict[str, Any]]:
        return list((await self.request("GET", "/api/vdr/models"))["models"])

    async def download(self, url: str, path: str | Path) -> Path:
        try:
            async with self._http.stream("GET", url) as response:
                if response.status_code != 200:
                    await response.aread()
                    unwrap(response)
                with written_whole(path) as out:
                    async for chunk in response.aiter_bytes():
                        out.write(chunk)
        except httpx.TransportError as exc:
            raise transport_error(exc, url) from exc
        return Path(path)


class AsyncTasks:
    """`client.tasks` of an AsyncClient."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self, image: ImageInput, prompt: str | None = None, *, idempotency_key: str | None = None,
        **fields: Unpack[CreateFields],
    ) -> AsyncTask:  # fmt: skip
        image_url = await self._client.upload(image)
        request = create_request(image_url, prompt, fields, idempotency_key)
        created = await self._client.request("POST", TASKS_PATH, **request)
        return await self.get(created["task_id"])

    async def get(self, task_id: str) -> AsyncTask:
        data = await self._client.request("GET", f"{TASKS_PATH}/{task_id}")
        return AsyncTask(self._client, TaskState.from_data(data))

    async def list(self, *, status: str | None = None, page_size: int = DEFAULT_PAGE_SIZE) -> AsyncIterator[AsyncTask]:
        cursor: str | None = None
        while True:
            page = await self._client.request("GET", TASKS_PATH, params=list_params(status, cursor, page_size))
            for data in page["tasks"]:
                yield AsyncTask(self._client, TaskState.from_data(data))
            cursor = page.get("next_cursor")
            if not cursor:
                return

    async def cancel(self, task_id: str) -> AsyncTask:
        data = await self._client.request("POST", f"{TASKS_PATH}/{task_id}/cancel")
        return AsyncTask(self._client, TaskState.from_data(data))


class AsyncTask(TaskFields):
    def __init__(self, client: AsyncClient, state: TaskState) -> None:
        self._client = client
        self.state = state

    async def refresh(self) -> AsyncTask:
        self.state = (await self._client.tasks.get(self.id)).state
        return self

    async def cancel(self) -> AsyncTask:
        self.state = (await self._client.tasks.cancel(self.id)).state
        return self

    async def wait(
        self, timeout: float = DEFAULT_WAIT_SECONDS, on_progress: ProgressCallback | None = None
    ) -> AsyncTask:
        """As `Task.wait`; `on_progress` may be a plain function or a coroutine function."""
        loop = WaitLoop(timeout)
        while True:
            retry_after = None
            try:
                await self.refresh()
            except RETRYABLE_WHILE_WAITING as exc:
                retry_after = getattr(exc, "retry_after", None)
            else:
                if on_progress is not None and loop.changed(self.state):
                    reported = on_progress(self)
                    if asyncio.iscoroutine(reported):
                        await reported
                if loop.finished(self.state):
                    return self
            await asyncio.sleep(loop.pause(self.state, retry_after))

    async def download(self, path: str | Path) -> Path:
        if self.state.failed:
            raise TaskFailed(self.state)
        if not self.state.succeeded or not self.video_url:
            raise ClientError(f"task {self.id} has no video yet ({self.status}); wait() for it first")
        return await self._client.download(self.video_url, path)
