"""Videos and uploaded images in the data directory, served by the API itself.

Keys are file names we generate (task ids, random upload ids), never user input,
so a served path can always be validated against a strict pattern.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
from pathlib import Path

from stillmotion.config import Settings
from stillmotion.errors import NotReady
from stillmotion.inputs.uploads import UPLOADS_URL_PATH, upload_url

# A write that failed because the disk (or the process's file-size limit) is full: the client
# may retry later, unlike a permission or I/O error, which is the operator's to fix.
_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
STORAGE_RETRY_SECONDS = 60

_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}\.(mp4|jpg|png|webp|gif|bmp|tiff)")
VIDEO_ROUTE = "/files/videos"
UPLOAD_ROUTE = UPLOADS_URL_PATH.rstrip("/")


class LocalStorage:
    def __init__(self, settings: Settings) -> None:
        self.videos_dir = settings.videos_dir
        self.uploads_dir = settings.uploads_dir
        self.public_url = settings.resolved_public_url
        self._settings = settings
        self.videos_dir.mkdir(parents=True, exist_ok=True)
        self.uploads_dir.mkdir(parents=True, exist_ok=True)

    def scratch_path(self, task_id: str) -> Path:
        """Where a render writes before it is published (same filesystem: publishing is a rename).

        Leftovers of an earlier attempt that crashed are removed first, so a re-run
        never leaves a second file behind.
        """
        for leftover in self.videos_dir.glob(f".{task_id}.*.partial.mp4"):
            leftover.unlink(missing_ok=True)
        return self.videos_dir / f".{task_id}.{secrets.token_hex(4)}.partial.mp4"

    def publish_video(self, task_id: str, rendered: Path) -> str:
        key = f"{task_id}.mp4"
        os.replace(rendered, self.videos_dir / key)
        return key

    def video_url(self, key: str) -> str:
        return f"{self.public_url}{VIDEO_ROUTE}/{key}"

    def video_file(self, key: str) -> Path | None:
        return self._existing(self.videos_dir, key)

    def delete_video(self, key: str) -> None:
        """Remove a published video; nothing to do if it is already gone."""
        path = self.video_file(key)
        if path is not None:
            path.unlink(missing_ok=True)

    def save_upload(self, data: bytes, extension: str) -> str:
        key = f"{secrets.token_urlsafe(16)}.{extension}"
        target = self.uploads_dir / key
        partial = target.with_name("." + key + ".partial")
        try:
            partial.write_bytes(data)
        except OSError as exc:
            partial.unlink(missing_ok=True)
            if exc.errno in _FULL:
                raise NotReady("Storage is full; the upload was not kept.", retry_after=STORAGE_RETRY_SECONDS) from None
            raise
        os.replace(partial, target)
        return upload_url(key, self._settings)

    def upload_file(self, key: str) -> Path | None:
        return self._existing(self.uploads_dir, key)

    @staticmethod
    def _existing(directory: Path, key: str) -> Path | None:
        if not _KEY.fullmatch(key):
            return None
        path = directory / key
        return path if path.is_file() else None
