"""OpenAPI documentation of the OpenAI-style face: its bodies and answers as schemas.

The routes build their answers with `openai_videos` and read the create body themselves (it
may be JSON or multipart); these models only describe them in `/openapi.json` and `/docs`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class VideoError(BaseModel):
    code: str = Field(description="invalid_image, moderation_blocked, engine_error, cancelled or timed_out.")
    message: str


class Video(BaseModel):
    """OpenAI's video object, plus our extensions when they apply (seed, queue_position, notes, ...)."""

    model_config = ConfigDict(extra="allow")

    id: str = Field(description="The task id (the same on /api/vdr).")
    object: Literal["video"] = "video"
    model: str
    status: Literal["queued", "in_progress", "completed", "failed"]
    progress: int = Field(ge=0, le=100)
    created_at: int
    completed_at: int | None
    expires_at: int | None
    error: VideoError | None
    prompt: str | None
    seconds: str = Field(description="The duration rendered, 1..6.")
    size: str | None = Field(description='"WIDTHxHEIGHT", once the engine has framed the image; null before.')
    remixed_from_video_id: None = None


class VideoList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Video]
    first_id: str | None
    last_id: str | None
    has_more: bool


class VideoDeleted(BaseModel):
    id: str
    object: Literal["video.deleted"] = "video.deleted"
    deleted: bool


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str = Field(examples=["invalid_request_error"])
    param: str | None = Field(examples=["size"])
    code: str | None = Field(examples=["invalid_value"])


class OpenAIError(BaseModel):
    error: OpenAIErrorDetail


_ERROR_CODES = {
    400: "invalid_value, invalid_image, moderation_blocked",
    401: "missing_authorization, invalid_api_key",
    403: "insufficient_quota",
    404: "not_found",
    409: "idempotency_key_reused",
    413: "request_too_large",
    429: "rate_limit_exceeded (Retry-After)",
    503: "service_unavailable (Retry-After)",
}


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The documented error answers of one route, in OpenAI's shape."""
    return {status: {"model": OpenAIError, "description": _ERROR_CODES[status]} for status in statuses}

_CREATE_FIELDS: dict[str, Any] = {
    "prompt": {"type": "string", "description": "What should move, and how."},
    "model": {"type": "string", "default": "bach-1.0-preview"},
    "size": {"type": "string", "example": "1280x720",
             "description": "Picks 720p or 1080p; the aspect follows the image."},
    "seconds": {"type": "string", "example": "4", "description": "Snapped into 1..6 (default 4)."},
}  # fmt: skip
CREATE_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {"schema": {"type": "object", "additionalProperties": True, "properties": {
                **_CREATE_FIELDS,
                "input_reference": {"type": "string", "format": "binary", "description": "The image."},
            }}},
            "application/json": {"schema": {"type": "object", "additionalProperties": True, "properties": {
                **_CREATE_FIELDS,
                "input_reference": {"description": 'An http(s) or data: URL, or {"image_url": URL}.',
                                    "anyOf": [{"type": "string"}, {"type": "object"}]},
            }}},
        },
        "description": "Any image2video field (fps, seed, negative_prompt, generate_audio, ...) may be added.",
    }
}  # fmt: skip
