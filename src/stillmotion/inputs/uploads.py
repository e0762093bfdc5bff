"""Our own upload URLs (`POST /api/vdr/uploads`): read through storage, never fetched over HTTP.

The server must not fetch itself: its public address is usually loopback or private (refused by
the address rules), and a worker fetching its own API would tie up the server it waits on. So a
URL under `{public_url}/files/uploads/` names an upload key, read with `Storage.read_upload`
(a file in local mode, an object in the bucket in S3 mode: a worker needs no access to the API's
disk). The key is validated strictly enough that no URL can name anything but an upload.
"""

from __future__ import annotations

import re
from typing import Protocol

from stillmotion.config import Settings
from stillmotion.errors import ImageRejected
from stillmotion.inputs.limits import MAX_IMAGE_BYTES, MAX_IMAGE_MB

UPLOADS_URL_PATH = "/files/uploads/"
"""Where the API serves stored uploads, below the public base URL."""

UPLOAD_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}\.[A-Za-z0-9]{1,8}")
"""A stored upload's key: a stem of letters, digits, "_" or "-" and one extension.
No dots, slashes or escapes in the stem, so "..", "/" and "%2e" cannot appear."""

_MISSING = "image_url names an upload that does not exist."


class UploadReader(Protocol):
    """The one storage method the image fetcher needs."""

    def read_upload(self, key: str) -> bytes | None: ...


def upload_url(key: str, settings: Settings) -> str:
    """The absolute URL of a stored upload, as `POST /api/vdr/uploads` returns it."""
    if UPLOAD_NAME.fullmatch(key) is None:
        raise ValueError(f"not a valid upload key: {key!r}")
    return settings.resolved_public_url + UPLOADS_URL_PATH + key


def upload_key(url: str, settings: Settings) -> str | None:
    """The upload key behind one of our upload URLs; None when `url` is not under the uploads prefix."""
    prefix = settings.resolved_public_url + UPLOADS_URL_PATH
    if not url.startswith(prefix):
        return None
    key = url[len(prefix) :]
    if UPLOAD_NAME.fullmatch(key) is None:
        raise ImageRejected(_MISSING)
    return key


def read_upload(key: str, uploads: UploadReader) -> bytes:
    """The bytes of a stored upload, within the size cap (checked again: it may have gone since create)."""
    data = uploads.read_upload(key)
    if data is None:
        raise ImageRejected(_MISSING)
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRejected(f"Image is larger than {MAX_IMAGE_MB} MB.")
    return data
