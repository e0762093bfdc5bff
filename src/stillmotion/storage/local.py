"""Videos and uploaded images in the data directory, served by the API itself.

    data/scratch/   renders in progress (one file per attempt; never served)
    data/videos/    published videos, `{task_id}.mp4`
    data/uploads/   uploaded images, `{random}.{ext}`

Keys are file names we generate (task ids, random upload ids), never user input, so a served
path is always validated against a strict pattern first. Publishing is a rename when scratch and
videos share a filesystem, else a copy to a hidden partial file renamed into place: a reader
never sees half a video, and a refused write leaves nothing behind.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
import shutil
import time
from contextlib import suppress
from pathlib import Path

from starlette.responses import FileResponse, Response

from stillmotion.config import Settings
from stillmotion.errors import StorageFailure, TaskNotFound
from stillmotion.inputs.uploads import upload_url
from stillmotion.storage.base import VIDEO_ROUTE

_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}\.(mp4|jpg|png|webp|gif|bmp|tiff)$")
_MEDIA_TYPES = {"mp4": "video/mp4", "jpg": "image/jpeg", "png": "image/png", "webp": "image/webp",
                "gif": "image/gif", "bmp": "image/bmp", "tiff": "image/tiff"}  # fmt: skip


class LocalStorage:
    def __init__(self, settings: Settings) -> None:
        self.scratch_dir = settings.data_dir / "scratch"
        self.videos_dir = settings.data_dir / "videos"
        self.uploads_dir = settings.data_dir / "uploads"
        self.public_url = settings.resolved_public_url
        self._settings = settings
        self._abandoned_after = settings.task_timeout_seconds
        for directory in (self.scratch_dir, self.videos_dir, self.uploads_dir):
            directory.mkdir(parents=True, exist_ok=True)

    def scratch_path(self, task_id: str) -> Path:
        """Also removes any scratch file untouched for longer than the task timeout: no live
        attempt runs that long, so it is what a killed worker left (its task ran elsewhere)."""
        oldest_live = time.time() - self._abandoned_after
        for leftover in self.scratch_dir.glob("*.mp4"):
            with suppress(FileNotFoundError):
                if leftover.name.startswith(f"{task_id}.") or leftover.stat().st_mtime < oldest_live:
                    leftover.unlink()
        return self.scratch_dir / f"{task_id}.{secrets.token_hex(4)}.mp4"

    def publish_video(self, task_id: str, rendered: Path) -> str:
        key = f"{task_id}.mp4"
        target = self.videos_dir / key
        try:
            os.replace(rendered, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise StorageFailure(_refusal("the video", exc)) from exc
            self._copy_into_place(rendered, target)
        return key

    def video_url(self, key: str) -> str:
        return f"{self.public_url}{VIDEO_ROUTE}/{key}"

    def video_response(self, key: str) -> Response:
        return self._serve(self.videos_dir, key, "Video not found.")

    def delete_video(self, key: str) -> None:
        if _KEY.match(key):
            (self.videos_dir / key).unlink(missing_ok=True)

    def save_upload(self, data: bytes, extension: str) -> str:
        key = f"{secrets.token_urlsafe(16)}.{extension}"
        target = self.uploads_dir / key
        partial = target.with_name("." + key + ".partial")
        try:
            partial.write_bytes(data)
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise StorageFailure(_refusal("the upload", exc)) from exc
        return upload_url(key, self._settings)

    def read_upload(self, key: str) -> bytes | None:
        if not _KEY.match(key):
            return None
        try:
            return (self.uploads_dir / key).read_bytes()
        except (FileNotFoundError, IsADirectoryError):
            return None

    def upload_response(self, key: str) -> Response:
        return self._serve(self.uploads_dir, key, "Upload not found.")

    @staticmethod
    def _serve(directory: Path, key: str, missing: str) -> Response:
        """FileResponse answers HTTP Range requests: players seek with them."""
        path = directory / key
        if not _KEY.match(key) or not path.is_file():
            raise TaskNotFound(missing)
        return FileResponse(path, media_type=_MEDIA_TYPES[key.rsplit(".", 1)[1]])

    @staticmethod
    def _copy_into_place(rendered: Path, target: Path) -> None:
        partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
        try:
            shutil.copyfile(rendered, partial)
            os.replace(partial, target)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            raise StorageFailure(_refusal("the video", exc)) from exc


def _refusal(what: str, exc: OSError) -> str:
    reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
    return f"Storage failed: {what} could not be stored ({reason.lower()})."
