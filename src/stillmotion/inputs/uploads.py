"""Our own upload URLs (`POST /api/vdr/uploads`): read from the uploads directory, not over HTTP.

The server must not fetch itself: its public address is usually loopback or private (refused by
the address rules), and a worker fetching its own API would tie up the server it waits on.
So a URL under `{public_url}/files/uploads/` maps straight to a file, and the name is validated
strictly enough that no URL can name anything outside that directory.
"""

from __future__ import annotations

import re
from pathlib import Path

from stillmotion.config import Settings
from stillmotion.errors import ImageRejected
from stillmotion.inputs.limits import MAX_IMAGE_BYTES, MAX_IMAGE_MB

UPLOADS_URL_PATH = "/files/uploads/"
"""Where the API serves stored uploads, below the public base URL."""

UPLOAD_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}\.[A-Za-z0-9]{1,8}")
"""A stored upload's file name: a stem of letters, digits, "_" or "-" and one extension.
No dots, slashes or escapes in the stem, so "..", "/" and "%2e" cannot appear."""


def upload_url(name: str, settings: Settings) -> str:
    """The absolute URL of a stored upload, as `POST /api/vdr/uploads` returns it."""
    if UPLOAD_NAME.fullmatch(name) is None:
        raise ValueError(f"not a valid upload name: {name!r}")
    return settings.resolved_public_url + UPLOADS_URL_PATH + name


def upload_path(url: str, settings: Settings) -> Path | None:
    """The file behind one of our upload URLs; None when `url` is not under the uploads prefix."""
    prefix = settings.resolved_public_url + UPLOADS_URL_PATH
    if not url.startswith(prefix):
        return None
    name = url[len(prefix) :]
    if UPLOAD_NAME.fullmatch(name) is None:
        raise ImageRejected("image_url names an upload that does not exist.")
    return settings.uploads_dir / name


def check_upload(path: Path) -> None:
    """Create-time check: the upload exists and is within the size cap (no read)."""
    if not path.is_file():
        raise ImageRejected("image_url names an upload that does not exist.")
    if path.stat().st_size > MAX_IMAGE_BYTES:
        raise ImageRejected(f"Image is larger than {MAX_IMAGE_MB} MB.")


def read_upload(path: Path) -> bytes:
    """The bytes of a stored upload, checked like at create time (it may have gone since)."""
    check_upload(path)
    try:
        return path.read_bytes()
    except OSError:
        raise ImageRejected("image_url names an upload that does not exist.") from None
