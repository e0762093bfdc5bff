"""The OpenAI-style videos shapes: a create request read into ours, a task shown as a video.

A create request (`POST /v1/videos`, JSON or multipart) maps onto the image2video fields
(docs/api.md has the table): an `input_reference` file is stored like an upload and a URL is
taken as `image_url`; `model` is `model_name`; `size` picks the resolution only (the aspect
follows the image, as on the main face); `seconds` is snapped into 1..6; every other key is
taken as our own field. The result is validated by the same `CreateTaskRequest` as the main
face, so every rule and message is the same. Multipart sends every value as text, so there
numbers and booleans are read from their text first.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pydantic
from starlette.datastructures import FormData, UploadFile

from stillmotion.api.errors import invalid_field
from stillmotion.api.schemas import CreateTaskRequest
from stillmotion.errors import InvalidField
from stillmotion.tasks.models import TaskStatus
from stillmotion.tasks.repository import TaskRow

DEFAULT_MODEL = "bach-1.0-preview"
DEFAULT_SECONDS = 4  # OpenAI's default clip length
_SIZE = re.compile(r"^\s*(\d{1,5})\s*[xX×]\s*(\d{1,5})\s*$")
_SHORT_SIDES = {"720p": 720, "1080p": 1080}
_MIN_SECONDS, _MAX_SECONDS = 1, 6

# Our fields whose JSON type is not a string: read from multipart text as JSON values.
_TYPED_FIELDS = {"duration", "fps", "cfg_scale", "seed", "enhance_prompt", "generate_audio", "enable_moderation"}
_OPENAI_KEYS = {"input_reference", "model", "size", "seconds"}

STATUSES = {
    TaskStatus.PENDING.value: "queued",
    TaskStatus.PROCESSING.value: "in_progress",
    TaskStatus.SUCCEEDED.value: "completed",
    TaskStatus.FAILED.value: "failed",
}
# A failed task's failure_code -> the `error.code` string of the video object.
FAILURE_CODES = {1001: "invalid_image", 1002: "moderation_blocked", 5002: "engine_error", 5003: "cancelled",
                 5004: "timed_out", 5005: "storage_error", 5006: "motion_not_rendered"}  # fmt: skip


def resolution_for(size: Any) -> str:
    """The resolution whose short side is nearest the requested size's shorter side."""
    match = _SIZE.match(size) if isinstance(size, str) else None
    if match is None or 0 in (width := int(match[1]), height := int(match[2])):
        raise InvalidField('size must be "WIDTHxHEIGHT", e.g. "1280x720".', field="size")
    short = min(width, height)
    return min(_SHORT_SIDES, key=lambda name: abs(_SHORT_SIDES[name] - short))


def duration_for(seconds: Any) -> int:
    """Seconds snapped into the durations this server renders (1..6)."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        value = float("nan")
    if isinstance(seconds, bool) or not 0 < value < math.inf:  # NaN fails both; round(inf) would raise
        raise InvalidField("seconds must be a positive number of seconds.", field="seconds")
    return max(_MIN_SECONDS, min(_MAX_SECONDS, round(value)))


def create_fields(body: dict[str, Any], image_url: str | None) -> dict[str, Any]:
    """Our create fields from an OpenAI-style body (JSON values); `image_url` when a file was uploaded."""
    fields = {name: value for name, value in body.items() if name not in _OPENAI_KEYS}
    fields.setdefault("model_name", body.get("model") or DEFAULT_MODEL)
    if "resolution" not in fields:
        fields["resolution"] = resolution_for(body["size"]) if body.get("size") is not None else "720p"
    if "duration" not in fields:
        fields["duration"] = duration_for(body.get("seconds", DEFAULT_SECONDS))
    reference = image_url or _reference_url(body.get("input_reference"))
    if reference is not None:
        fields["image_url"] = reference
    if "image_url" not in fields:
        raise InvalidField("input_reference is required: an image file, or an image URL.", field="image_url")
    return fields


def _reference_url(reference: Any) -> str | None:
    if reference is None or isinstance(reference, str):
        return reference
    if isinstance(reference, dict):
        if isinstance(reference.get("image_url"), str):
            return str(reference["image_url"])
        if "file_id" in reference:
            raise InvalidField("input_reference.file_id is not supported: send the image file or an image_url.",
                               field="image_url")  # fmt: skip
    raise InvalidField("input_reference must be an image file, an image URL or {\"image_url\": ...}.",
                       field="image_url")  # fmt: skip


def form_body(form: FormData) -> tuple[dict[str, Any], UploadFile | None]:
    """A multipart body as JSON-typed values, and the `input_reference` file if one was sent."""
    body: dict[str, Any] = {}
    upload = None
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            if name == "input_reference":
                upload = value
            continue
        nested = re.fullmatch(r"input_reference\[(\w+)\]", name)  # the OpenAI client's {"image_url": ...}
        if nested:
            body.setdefault("input_reference", {})[nested[1]] = value
        elif name in _TYPED_FIELDS:
            body[name] = _json_value(value)
        else:
            body[name] = value
    return body, upload


def _json_value(text: str) -> Any:
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text  # left as text: validation then names the field and its rule


def validated(fields: dict[str, Any]) -> CreateTaskRequest:
    """The same validation, rules and messages as `POST /api/vdr/videos/image2video`."""
    try:
        return CreateTaskRequest.model_validate(fields)
    except pydantic.ValidationError as exc:
        raise invalid_field([{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]) from None


def video_object(task: TaskRow, detail: dict[str, Any]) -> dict[str, Any]:
    """The OpenAI video object of a task; `detail` is its image2video view (`describe`).

    Our extensions ride along as extra keys (`seed`, `queue_position`, `notes`, ...): the
    OpenAI client keeps unknown keys on the object.
    """
    status = STATUSES[task.status]
    error = None
    if status == "failed":
        code = FAILURE_CODES.get(task.failure_code or 0, str(task.failure_code))
        error = {"code": code, "message": task.message}
    video = {
        "id": task.id,
        "object": "video",
        "model": task.model_name,
        "status": status,
        "progress": detail["progress"],
        "created_at": detail["created_at"],
        "completed_at": detail["completed_at"],
        "expires_at": detail.get("expires_at"),
        "error": error,
        "prompt": task.prompt,
        "seconds": str(task.duration),
        "size": (task.plan or {}).get("size"),
        "remixed_from_video_id": None,
    }
    extras = ("seed", "queue_position", "notes", "enhanced_prompt", "failure_code", "cancelled", "video_deleted")
    video.update({name: detail[name] for name in extras if detail.get(name) is not None})
    return video
