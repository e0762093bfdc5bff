"""Errors on the OpenAI-style face (`/v1/`): OpenAI's shape, our codes underneath.

    {"error": {"message": "...", "type": "invalid_request_error", "param": "seconds", "code": "invalid_value"}}

HTTP statuses stay ours (the OpenAI client maps 400, 401, 403, 404, 409, 429 and 5xx to its own
exception classes). `param` names the request parameter at fault in the client's terms (`size`,
`seconds`, `input_reference`, `model`) or one of our own fields sent as an extra body key.
"""

from __future__ import annotations

from fastapi.responses import JSONResponse

from stillmotion.errors import InvalidField, StillmotionError

OPENAI_PREFIX = "/v1/"

# Our code -> (OpenAI error type, a stable string code clients can branch on).
_KINDS: dict[int, tuple[str, str]] = {
    1000: ("invalid_request_error", "invalid_value"),
    1001: ("invalid_request_error", "invalid_image"),
    1002: ("invalid_request_error", "moderation_blocked"),
    1003: ("invalid_request_error", "request_too_large"),
    1100: ("authentication_error", "missing_authorization"),
    1101: ("authentication_error", "invalid_api_key"),
    1200: ("invalid_request_error", "not_found"),
    1201: ("invalid_request_error", "video_not_cancellable"),
    1202: ("invalid_request_error", "idempotency_key_reused"),
    1302: ("insufficient_quota", "insufficient_quota"),
    1303: ("rate_limit_error", "rate_limit_exceeded"),
    5000: ("server_error", "server_error"),
    5001: ("server_error", "service_unavailable"),
    5005: ("server_error", "storage_error"),
}

# Our field -> the OpenAI request parameter it comes from.
OPENAI_PARAMS = {"image_url": "input_reference", "model_name": "model", "resolution": "size", "duration": "seconds"}


def error_kind(code: int) -> tuple[str, str]:
    return _KINDS.get(code, ("server_error" if code >= 5000 else "invalid_request_error", str(code)))


def openai_error(exc: StillmotionError, headers: dict[str, str] | None = None) -> JSONResponse:
    kind, code = error_kind(exc.code)
    field = exc.field if isinstance(exc, InvalidField) else None
    param = OPENAI_PARAMS.get(field, field) if field else None
    body = {"error": {"message": exc.message, "type": kind, "param": param, "code": code}}
    return JSONResponse(body, status_code=exc.http_status, headers=headers)
