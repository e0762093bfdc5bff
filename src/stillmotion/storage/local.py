"""Videos and uploaded images in the data directory, served by the API itself.

    data/scratch/   renders in progress (one file per attempt; never served; scratch.py)
    data/videos/    published videos, `{task_id}.mp4`
    data/uploads/   uploaded images, `{random}.{ext}`
    data/previews/  the latest latent preview of each running task, `{task_id}.jpg`

Keys are file names we generate (task ids, random upload ids), never user input, so a served
path is always validated against a strict pattern first. Publishing is a rename when scratch and
videos share a filesystem, else a copy to a hidden partial file renamed into place: a reader
never sees half a video, and a refused write leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import shutil
from collections.abc import Callable
from pathlib import Path

from starlette.responses import FileResponse, Response

from stillmotion.config import Settings
from stillmotion.errors import StorageFailure, TaskNotFound
from stillmotion.inputs.uploads import upload_url
from stillmotion.storage.base import KEY, MEDIA_TYPES, VIDEO_ROUTE
from stillmotion.storage.scratch import Scratch


class LocalStorage:
    def __init__(self, settings: Settings) -> None:
        self.scratch = Scratch(settings.data_dir / "scratch")
        self.videos_dir = settings.data_dir / "videos"
        self.uploads_dir = settings.data_dir / "uploads"
        self.previews_dir = settings.data_dir / "previews"
        self.public_url = settings.resolved_public_url
        self._settings = settings
        for directory in (self.videos_dir, self.uploads_dir, self.previews_dir):
            directory.mkdir(parents=True, exist_ok=True)

    def publish_video(self, task_id: str, rendered: Path) -> str:
        key = f"{task_id}.mp4"
        target = self.videos_dir / key
        try:
            os.replace(rendered, target)
        except OSError as exc:
            if exc.errno != errno.EXDEV:
                raise StorageFailure(_refusal("the video", exc)) from exc
            _write_whole(target, lambda partial: shutil.copyfile(rendered, partial), "the video")
        return key

    def video_url(self, key: str) -> str:
        return f"{self.public_url}{VIDEO_ROUTE}/{key}"

    def video_response(self, key: str) -> Response:
        return self._serve(self.videos_dir, key, "Video not found.")

    def delete_video(self, key: str) -> None:
        if KEY.match(key):
            _remove(self.videos_dir / key, "the video")

    def save_upload(self, data: bytes, extension: str) -> str:
        key = f"{secrets.token_urlsafe(16)}.{extension}"
        _write_whole(self.uploads_dir / key, lambda partial: partial.write_bytes(data), "the upload")
        return upload_url(key, self._settings)

    def read_upload(self, key: str) -> bytes | None:
        return _read(self.uploads_dir, key)

    def save_preview(self, task_id: str, jpeg: bytes) -> None:
        key = f"{task_id}.jpg"
        if KEY.match(key):
            _write_whole(self.previews_dir / key, lambda partial: partial.write_bytes(jpeg), "the preview")

    def read_preview(self, task_id: str) -> bytes | None:
        return _read(self.previews_dir, f"{task_id}.jpg")

    def delete_preview(self, task_id: str) -> None:
        key = f"{task_id}.jpg"
        if KEY.match(key):
            _remove(self.previews_dir / key, "the preview")

    def upload_response(self, key: str) -> Response:
        return self._serve(self.uploads_dir, key, "Upload not found.")

    @staticmethod
    def _serve(directory: Path, key: str, missing: str) -> Response:
        """FileResponse answers HTTP Range requests: players seek with them."""
        path = directory / key
        if not KEY.match(key) or not path.is_file():
            raise TaskNotFound(missing)
        return FileResponse(path, media_type=MEDIA_TYPES[key.rsplit(".", 1)[1]])

def _write_whole(target: Path, write: Callable[[Path], object], what: str) -> None:
    """`write` a hidden partial file, then rename it into place: a reader never sees half of it.
    Any failure is a StorageFailure; the partial file is removed where it can be (when the
    directory itself is what failed, removing it fails too, and that must not hide the cause)."""
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    try:
        write(partial)
        os.replace(partial, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        raise StorageFailure(_refusal(what, exc)) from exc


def _remove(path: Path, what: str) -> None:
    """Delete a stored file if it is there; anything else that goes wrong is a StorageFailure,
    which the callers (a finished task's preview, the retention sweep) log and outlive."""
    try:
        path.unlink(missing_ok=True)
    except OSError as exc:
        raise StorageFailure(_refusal(what, exc, "removed")) from exc


def _read(directory: Path, key: str) -> bytes | None:
    if not KEY.match(key):
        return None
    try:
        return (directory / key).read_bytes()
    except (FileNotFoundError, IsADirectoryError):
        return None


def _refusal(what: str, exc: OSError, done: str = "stored") -> str:
    reason = os.strerror(exc.errno) if exc.errno else type(exc).__name__
    return f"Storage failed: {what} could not be {done} ({reason.lower()})."
