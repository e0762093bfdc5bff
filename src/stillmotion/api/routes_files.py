"""Uploads in, videos out: `POST /api/vdr/uploads` and GETs of the files it and the workers store.

How a file is answered is the storage's business (the file with Range support, or a redirect).
"""

from __future__ import annotations

import asyncio
import io
from typing import Annotated

from fastapi import APIRouter, File, UploadFile
from fastapi.responses import JSONResponse, Response
from PIL import Image
from starlette import datastructures

from stillmotion.api.auth import CurrentCredential
from stillmotion.api.deps import StorageDep
from stillmotion.api.routes_tasks import success
from stillmotion.api.schemas import Envelope, ErrorEnvelope, UploadedImage
from stillmotion.errors import ImageRejected, NotReady, StorageFailure
from stillmotion.inputs import MAX_IMAGE_BYTES, decode_image
from stillmotion.storage.base import UPLOAD_ROUTE, VIDEO_ROUTE, Storage

router = APIRouter()

STORAGE_RETRY_SECONDS = 60

# "MPO": a multi-picture JPEG (what many phones and cameras write); Pillow opens it through its
# JPEG plugin and names it MPO. Stored as the JPEG it is.
_EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "WEBP": "webp", "GIF": "gif", "BMP": "bmp",
               "TIFF": "tiff"}  # fmt: skip


@router.post(
    "/api/vdr/uploads",
    tags=["extensions"],
    response_model=Envelope[UploadedImage],
    responses={
        400: {"model": ErrorEnvelope, "description": "1001 not an accepted image (format, size, corrupt)"},
        401: {"model": ErrorEnvelope, "description": "1100 missing header, 1101 invalid token"},
        413: {"model": ErrorEnvelope, "description": "1003 body too large (images: at most 10 MB)"},
        503: {"model": ErrorEnvelope, "description": "5001 storage cannot take the upload (Retry-After)"},
    },
)
async def upload_image(
    file: Annotated[UploadFile, File(description="The image (JPEG, PNG, WebP, GIF, BMP, TIFF; ≤ 10 MB).")],
    _credential: CurrentCredential,
    storage: StorageDep,
) -> JSONResponse:
    """Extension: store an image on this server and get back a URL usable as `image_url`."""
    url, size = await store_upload(file, storage)
    return success({"image_url": url, "bytes": size})


async def store_upload(file: datastructures.UploadFile, storage: Storage) -> tuple[str, int]:
    """Keep an uploaded image that passes every image rule; (its URL for `image_url`, its size)."""
    data = await file.read(MAX_IMAGE_BYTES + 1)
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected("Image is larger than 10 MB.")
    await asyncio.to_thread(decode_image, data)  # every image rule, before anything is kept
    with Image.open(io.BytesIO(data)) as probe:
        extension = _EXTENSIONS[probe.format or ""]
    try:
        return await asyncio.to_thread(storage.save_upload, data, extension), len(data)
    except StorageFailure as failure:
        # 5005 is a task's failure code; to the uploading client this is "not now": 503/5001.
        raise NotReady(failure.message, retry_after=STORAGE_RETRY_SECONDS) from failure


@router.get(VIDEO_ROUTE + "/{key}", tags=["files"], include_in_schema=False)
async def get_video(key: str, storage: StorageDep) -> Response:
    return storage.video_response(key)


@router.get(UPLOAD_ROUTE + "/{key}", tags=["files"], include_in_schema=False)
async def get_upload(key: str, storage: StorageDep) -> Response:
    return storage.upload_response(key)
