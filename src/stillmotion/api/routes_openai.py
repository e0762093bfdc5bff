"""The OpenAI-style videos API: a second face over the same tasks, accounts, credits and engines.

    POST   /v1/videos                 create (JSON, or multipart with an `input_reference` file)
    GET    /v1/videos                 list, newest first (`after`, `limit`, `order`)
    GET    /v1/videos/{id}            retrieve
    DELETE /v1/videos/{id}            cancel it if it is still running (refunded), delete its video
    GET    /v1/videos/{id}/content    the MP4

The `openai` Python package pointed at `{server}/v1` works unchanged. Creating goes through
`task_creation.create_task` like the main face; errors come in OpenAI's `{"error": {...}}` shape
(api/errors.py picks it for every path under /v1/).
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import FileResponse, JSONResponse, Response

from stillmotion.api import task_creation
from stillmotion.api.auth import CurrentCredential
from stillmotion.api.deps import ExecutorDep, ModelsDep, SettingsDep, StorageDep, TasksDep
from stillmotion.api.openai_schemas import CREATE_BODY, Video, VideoDeleted, VideoList, errors
from stillmotion.api.openai_videos import STATUSES, create_fields, form_body, validated, video_object
from stillmotion.api.routes_control import MAX_PAGE
from stillmotion.api.routes_files import store_upload
from stillmotion.api.storable import refuse_unstorable_body
from stillmotion.api.task_views import describe
from stillmotion.errors import InvalidField, TaskNotCancellable, TaskNotFound
from stillmotion.tasks.models import Task, TaskStatus
from stillmotion.tasks.repository import TaskRepository

router = APIRouter(prefix="/v1/videos", tags=["openai-videos"])

DEFAULT_PAGE = 20
_FORMS = ("multipart/form-data", "application/x-www-form-urlencoded")
# Sent with an unfinished video: the OpenAI client's poll helper waits this long between polls
# (its default is 1 s; a short motion render finishes in a few seconds).
POLL_AFTER_MS = "500"


async def _task(task_id: str, account_id: int, tasks: TaskRepository) -> Task:
    task = await tasks.get_for_account(task_id, account_id)
    if task is None:
        raise TaskNotFound(f"No video with id {task_id}.")
    return task


@router.post(
    "",
    summary="Create a video (OpenAI-style)",
    response_model=Video,
    responses=errors(400, 401, 403, 409, 413, 429, 503),
    openapi_extra=CREATE_BODY,
)
async def create_video(
    credential: CurrentCredential,
    request: Request,
    settings: SettingsDep,
    tasks: TasksDep,
    models: ModelsDep,
    storage: StorageDep,
    executor: ExecutorDep,
) -> JSONResponse:
    """JSON or multipart: `prompt`, `input_reference` (file, URL, or `{"image_url": ...}`), `model`,
    `size` ("1280x720"), `seconds`, and any image2video field as an extra key."""
    if request.headers.get("content-type", "").startswith(_FORMS):
        body, upload = form_body(await request.form())
    else:
        body, upload = await _json_body(request), None
    refuse_unstorable_body(body)  # parsed here, not by FastAPI: the app-wide dependency never saw it
    image_url = (await store_upload(upload, storage))[0] if upload is not None else None
    fields = validated(create_fields(body, image_url))
    created = await task_creation.create_task(
        fields, credential.account_id, request.headers.get("idempotency-key"),
        settings=settings, tasks=tasks, models=models, storage=storage, executor=executor,
    )  # fmt: skip
    seen = await tasks.seen(created.task.id)
    return JSONResponse(video_object(seen.task, describe(seen, storage)))


async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past the parser's depth
        body = None
    if not isinstance(body, dict):
        raise InvalidField("Request body must be a JSON object or multipart form.")
    return body


@router.get("", summary="List videos (OpenAI-style)", response_model=VideoList, responses=errors(400, 401, 429))
async def list_videos(
    credential: CurrentCredential,
    tasks: TasksDep,
    storage: StorageDep,
    after: Annotated[str | None, Query(description="The last id of the previous page.")] = None,
    limit: Annotated[str | None, Query(description=f"1..{MAX_PAGE}, default {DEFAULT_PAGE}.")] = None,
    order: Annotated[str | None, Query(description="desc (newest first, the default) or asc.")] = None,
) -> JSONResponse:
    if order not in (None, "desc", "asc"):
        raise InvalidField("order must be asc or desc.", field="order")
    size = DEFAULT_PAGE if limit is None else int(limit) if limit.isdigit() else 0
    if not 1 <= size <= MAX_PAGE:
        raise InvalidField(f"limit must be an integer between 1 and {MAX_PAGE}.", field="limit")
    start = None
    if after is not None:
        previous = await tasks.get_for_account(after, credential.account_id)
        if previous is None:
            raise InvalidField("after must be the id of a video from a previous page.", field="after")
        start = (previous.created_at, previous.id)
    page = await tasks.list_for_account(
        credential.account_id, status=None, after=start, limit=size, oldest_first=order == "asc"
    )
    videos = [video_object(seen.task, describe(seen, storage)) for seen in page.tasks]
    return JSONResponse({
        "object": "list",
        "data": videos,
        "first_id": videos[0]["id"] if videos else None,
        "last_id": videos[-1]["id"] if videos else None,
        "has_more": page.has_more,
    })  # fmt: skip


@router.get(
    "/{video_id}", summary="Retrieve a video (OpenAI-style)", response_model=Video, responses=errors(401, 404, 429)
)
async def retrieve_video(video_id: str, credential: CurrentCredential, tasks: TasksDep, storage: StorageDep) -> JSONResponse:
    seen = await tasks.seen_by_account(video_id, credential.account_id)
    if seen is None:
        raise TaskNotFound(f"No video with id {video_id}.")
    video = video_object(seen.task, describe(seen, storage))
    active = video["status"] in ("queued", "in_progress")
    return JSONResponse(video, headers={"openai-poll-after-ms": POLL_AFTER_MS} if active else None)


@router.delete(
    "/{video_id}", summary="Delete a video (OpenAI-style)", response_model=VideoDeleted, responses=errors(401, 404, 429)
)
async def delete_video(
    video_id: str, credential: CurrentCredential, tasks: TasksDep, storage: StorageDep, executor: ExecutorDep
) -> JSONResponse:
    """A queued or running task is cancelled (and refunded); a finished one's video is deleted.
    The task itself stays listed, so its history and ledger rows keep their subject."""
    task = await _task(video_id, credential.account_id, tasks)
    if task.status in (TaskStatus.PENDING.value, TaskStatus.PROCESSING.value):
        try:
            task = await tasks.cancel(task.id, credential.account_id)
            await executor.cancel(task.id)
        except TaskNotCancellable:  # it ended meanwhile: delete what it left
            task = await _task(video_id, credential.account_id, tasks)
    if task.video_key and task.video_deleted_at is None:
        await asyncio.to_thread(storage.delete_video, task.video_key)
        await tasks.mark_video_deleted(task.id)
    return JSONResponse({"id": task.id, "object": "video.deleted", "deleted": True})


@router.get("/{video_id}/content", summary="Download a video's MP4 (OpenAI-style)", response_class=FileResponse,
            responses={**errors(400, 401, 404, 429), 200: {"content": {"video/mp4": {}}, "description": "The MP4."}})
async def video_content(
    video_id: str,
    credential: CurrentCredential,
    tasks: TasksDep,
    storage: StorageDep,
    variant: Annotated[str, Query(description="video (the only variant served).")] = "video",
) -> Response:
    """The MP4 itself, or a redirect to it when the videos live in a bucket."""
    if variant != "video":
        raise InvalidField("variant must be video: thumbnails and spritesheets are not served.", field="variant")
    task = await _task(video_id, credential.account_id, tasks)
    if task.status != TaskStatus.SUCCEEDED.value:
        raise TaskNotFound(f"Video {video_id} has no content: it is {STATUSES[task.status]}.")
    if not task.video_key or task.video_deleted_at is not None:
        raise TaskNotFound(f"Video {video_id}'s content was deleted.")
    return storage.video_response(task.video_key)
