"""The one seam for everything the service keeps as files: finished videos and uploaded images.

A worker renders into a `scratch` file (local, never under the published area), then
`publish_video` stores it and returns its key; the API turns a key into a URL (`video_url`) and
answers GETs of it (`video_response`: the file itself, or a redirect to a bucket). Uploads are
saved by the API (`save_upload`, which returns the `image_url` to use) and read back by workers
through `read_upload`, never through the API's disk or HTTP. Retention calls `delete_video`.
A worker whose engine makes a latent preview keeps the latest one with `save_preview` while the
task runs, for the API to read (`read_preview`) on any machine, and removes it at the end.

Implementations: `LocalStorage` (the data directory, served by the API) and the S3 one.
Any refusal to write (read-only folder, full disk, missing bucket) raises `StorageFailure`
(5005) with nothing partial left behind.
"""

from __future__ import annotations

import errno
import os
import re
from pathlib import Path
from typing import Protocol

from starlette.responses import Response

from stillmotion.errors import StorageFailure
from stillmotion.inputs.uploads import UPLOADS_URL_PATH
from stillmotion.storage.scratch import Scratch

VIDEO_ROUTE = "/files/videos"
"""Where the API answers GETs of videos (`video_response`), whatever the storage."""
UPLOAD_ROUTE = UPLOADS_URL_PATH.rstrip("/")
"""Where the API answers GETs of uploads (`upload_response`); upload URLs always point here."""

KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}\.(mp4|jpg|png|webp|gif|bmp|tiff)$")
"""A stored video's or upload's key: a name we generated (task id, random upload id), never user
input; every implementation checks a key against it before touching a file or an object."""
MEDIA_TYPES = {"mp4": "video/mp4", "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp",
               "gif": "image/gif", "bmp": "image/bmp", "tiff": "image/tiff"}  # fmt: skip

_REFUSED_WRITE = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EFBIG, errno.EACCES, errno.EPERM})


class Storage(Protocol):
    scratch: Scratch
    """Where renders are written before `publish_video` (storage/scratch.py)."""

    def publish_video(self, task_id: str, rendered: Path) -> str:
        """Store the finished video and return its key; StorageFailure (nothing kept) on refusal."""
        ...

    def video_url(self, key: str) -> str:
        """The URL clients download the video from (`video_url` in answers and callbacks)."""
        ...

    def video_response(self, key: str) -> Response:
        """The answer to a GET of the video's URL on the API; TaskNotFound when it is gone."""
        ...

    def delete_video(self, key: str) -> None:
        """Remove a published video; nothing to do if it is already gone."""
        ...

    def save_upload(self, data: bytes, extension: str) -> str:
        """Keep an uploaded image; returns the URL to pass as `image_url`."""
        ...

    def read_upload(self, key: str) -> bytes | None:
        """An upload's bytes, or None when there is no such upload."""
        ...

    def upload_response(self, key: str) -> Response:
        """The answer to a GET of an upload's URL on the API; TaskNotFound when it is gone."""
        ...

    def save_preview(self, task_id: str, jpeg: bytes) -> None:
        """Replace the running task's preview image (whole or not at all); StorageFailure on refusal."""
        ...

    def read_preview(self, task_id: str) -> bytes | None:
        """The task's latest preview JPEG, or None when it has none."""
        ...

    def delete_preview(self, task_id: str) -> None:
        """Remove the task's preview; nothing to do if there is none."""
        ...


def refused_write(exc: BaseException) -> StorageFailure | None:
    """The StorageFailure behind an error raised while writing the scratch file (the disk filled
    up mid-render, or the scratch folder is read-only), found anywhere in its chain; None when
    the error is something else. The encoder wraps its errors, so the chain is walked."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, StorageFailure):
            return seen
        if isinstance(seen, OSError) and seen.errno in _REFUSED_WRITE:
            reason = os.strerror(seen.errno).lower()
            return StorageFailure(f"Storage failed: the video could not be written ({reason}).")
        seen = seen.__cause__ or seen.__context__
    return None
