"""The API on the wire, for both clients: paths, request bodies, uploads, answers, downloads.

Plain data and functions with no I/O of their own, so `Client` and `AsyncClient` differ only
in how they send requests and sleep.
"""

from __future__ import annotations

import mimetypes
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO, Literal, TypedDict, Union

import httpx

from stillmotion.client.errors import APIError, ClientError, TransportError, api_error

DEFAULT_MODEL = "bach-1.0-preview"
TASKS_PATH = "/api/vdr/videos/image2video"
UPLOADS_PATH = "/api/vdr/uploads"

ImageInput = Union[str, "os.PathLike[str]", bytes]
"""An http(s) or data: URL (sent as is), a local file path (uploaded first), or image bytes (uploaded)."""


class CreateFields(TypedDict, total=False):
    """The create request's fields besides the image and the prompt (SPEC "Create: request fields")."""

    model_name: str
    negative_prompt: str
    resolution: Literal["720p", "1080p"]
    duration: int
    fps: Literal[24, 30]
    cfg_scale: float
    seed: int
    enhance_prompt: bool
    generate_audio: bool
    audio_prompt: str
    callback_url: str
    enable_moderation: bool


# The server requires these three; the SDK picks them like the CLI does, so create(image) works.
CREATE_DEFAULTS: CreateFields = {"model_name": DEFAULT_MODEL, "resolution": "720p", "duration": 5}


def create_body(image_url: str, prompt: str | None, fields: CreateFields) -> dict[str, Any]:
    """The create request: defaults, then the given fields; None left out so the server applies its own."""
    body: dict[str, Any] = {**CREATE_DEFAULTS, "image_url": image_url, "prompt": prompt, **fields}
    return {name: value for name, value in body.items() if value is not None}


def create_request(
    image_url: str, prompt: str | None, fields: CreateFields, idempotency_key: str | None
) -> dict[str, Any]:
    """The keyword arguments of the create POST (its JSON body and its optional Idempotency-Key)."""
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
    return {"json": create_body(image_url, prompt, fields), "headers": headers}


def no_uploads(base_url: str) -> ClientError:
    """What a 404 from the upload endpoint means: a server with only the document's endpoints."""
    return ClientError(f"{base_url} has no upload endpoint: pass an http(s) image URL instead of a file")


def image_to_upload(image: ImageInput) -> tuple[str, bytes, str] | None:
    """(file name, bytes, media type) when `image` must be uploaded first; None for a URL."""
    if isinstance(image, bytes):
        return "image", image, "application/octet-stream"
    if isinstance(image, str) and image.split(":", 1)[0].lower() in ("http", "https", "data"):
        return None
    path = Path(image)
    if not path.is_file():
        raise FileNotFoundError(f"no image file at {path}")
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return path.name, path.read_bytes(), media_type


def unwrap(response: httpx.Response) -> Any:
    """The `data` of a success envelope; the typed APIError of an error envelope."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "code" not in body:
        snippet = response.text[:200].strip()
        raise APIError(response.status_code, f"HTTP {response.status_code} without an API envelope: {snippet}",
                       response.status_code)  # fmt: skip
    if body["code"] != 200:
        retry_after = response.headers.get("retry-after")
        raise api_error(
            int(body["code"]), str(body.get("message", "")), response.status_code,
            float(retry_after) if retry_after and retry_after.replace(".", "", 1).isdigit() else None,
        )
    return body.get("data")


def transport_error(exc: httpx.TransportError, base_url: str) -> TransportError:
    return TransportError(f"could not reach {base_url}: {exc.__class__.__name__}: {exc}".rstrip(": "), exc)


@contextmanager
def written_whole(path: str | Path) -> Iterator[BinaryIO]:
    """A file to write `path` through: renamed into place on success, removed on any error."""
    target = Path(path)
    partial = target.with_name(target.name + ".partial")
    try:
        with partial.open("wb") as out:
            yield out
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)


def list_params(status: str | None, cursor: str | None, page_size: int) -> dict[str, str]:
    params = {"limit": str(page_size)}
    if status is not None:
        params["status"] = status
    if cursor is not None:
        params["cursor"] = cursor
    return params
