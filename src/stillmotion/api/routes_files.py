"""Uploads in, videos out: `POST /api/vdr/uploads` and the files it and the worker store.

Served with FileResponse, which answers HTTP Range requests (players seek with them).
"""

from __future__ import annotations

import asyncio
import io
from typing import Annotated

from fastapi import APIRouter, File, Request, UploadFile
from fastapi.responses import FileResponse, JSONResponse
from PIL import Image
from starlette import datastructures

from stillmotion.api.auth import CurrentCredential
from stillmotion.api.routes_tasks import success
from stillmotion.api.schemas import Envelope, ErrorEnvelope, UploadedImage
from stillmotion.errors import ImageRejected, TaskNotFound
from stillmotion.inputs import MAX_IMAGE_BYTES, decode_image
from stillmotion.storage.local import UPLOAD_ROUTE, VIDEO_ROUTE, LocalStorage

router = APIRouter()

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp", "TIFF": "tiff"}
_MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp", "gif": "image/gif",
                "bmp": "image/bmp", "tiff": "image/tiff"}


@router.post(
    "/api/vdr/uploads",
    tags=["extensions"],
    response_model=Envelope[UploadedImage],
    responses={400: {"model": ErrorEnvelope}, 401: {"model": ErrorEnvelope}, 413: {"model": ErrorEnvelope}},
)
async def upload_image(
    file: Annotated[UploadFile, File(description="The image (JPEG, PNG, WebP, GIF, BMP, TIFF; ≤ 10 MB).")],
    _credential: CurrentCredential,
    request: Request,
) -> JSONResponse:
    """Extension: store an image on this server and get back a URL usable as `image_url`."""
    url, size = await store_upload(file, request.app.state.storage)
    return success({"image_url": url, "bytes": size})


async def store_upload(file: datastructures.UploadFile, storage: LocalStorage) -> tuple[str, int]:
    """Keep an uploaded image that passes every image rule; (its URL for `image_url`, its size)."""
    data = await file.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected("Image is larger than 10 MB.")
    await asyncio.to_thread(decode_image, data)  # every image rule, before anything is kept
    with Image.open(io.BytesIO(data)) as probe:
        extension = _EXTENSIONS[probe.format or ""]
    return storage.save_upload(data, extension), len(data)


@router.get(VIDEO_ROUTE + "/{key}", tags=["files"], include_in_schema=False)
async def get_video(key: str, request: Request) -> FileResponse:
    path = request.app.state.storage.video_file(key)
    if path is None:
        raise TaskNotFound("Video not found.")
    return FileResponse(path, media_type="video/mp4")


@router.get(UPLOAD_ROUTE + "/{key}", tags=["files"], include_in_schema=False)
async def get_upload(key: str, request: Request) -> FileResponse:
    path = request.app.state.storage.upload_file(key)
    if path is None:
        raise TaskNotFound("Upload not found.")
    return FileResponse(path, media_type=_MEDIA_TYPES[key.rsplit(".", 1)[1]])
