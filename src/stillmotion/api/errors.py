"""The one place where exceptions become error responses.

Every error is a `StillmotionError` by the time it is rendered: our own errors carry
their code, request validation maps to 1000 with the field's rule, framework errors
(unknown route, wrong method) keep their HTTP status, and anything unexpected is a
5000 with a request id that also appears in the log, never a stack trace in the body.

It is rendered in the shape of the face that was asked: the document's envelope
`{"code", "message", "data"}`, or under `/v1/` OpenAI's `{"error": {...}}`.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from stillmotion.api.openai_errors import OPENAI_PREFIX, openai_error
from stillmotion.api.schemas import FIELD_RULES, REQUIRED_MESSAGES
from stillmotion.errors import InvalidField, StillmotionError

log = logging.getLogger("stillmotion.api")


def envelope(http_status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": None}, status_code=http_status, headers=headers)


def error_response(exc: StillmotionError, path: str = "") -> JSONResponse:
    """`exc` as the face serving `path` answers errors."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    if path.startswith(OPENAI_PREFIX):
        return openai_error(exc, headers)
    return envelope(exc.http_status, exc.code, exc.message, headers)


def invalid_field(errors: list[dict[str, Any]]) -> InvalidField:
    """The first rejected field of a body's validation errors, with its message in the document's style."""
    for error in errors:
        loc = error.get("loc", ())
        kind = error.get("type", "")
        if kind in ("json_invalid", "json_type") or loc == ("body",):
            return InvalidField("Request body must be a JSON object.")
        field = next((part for part in loc[1:] if isinstance(part, str)), None) if loc[:1] == ("body",) else None
        if field in FIELD_RULES:
            if kind == "missing" and field in REQUIRED_MESSAGES:
                return InvalidField(REQUIRED_MESSAGES[field], field=field)
            return InvalidField(FIELD_RULES[field], field=field)
        if loc and loc[0] == "path":
            return InvalidField("Invalid path parameter.")
    return InvalidField("Request body must be a JSON object.")


class _FrameworkError(StillmotionError):
    """A framework answer (unknown route, wrong method) in our shapes, keeping its HTTP status."""

    def __init__(self, exc: StarletteHTTPException) -> None:
        messages = {404: "Not found.", 405: "Method not allowed."}
        super().__init__(messages.get(exc.status_code, str(exc.detail)))
        self.http_status = exc.status_code
        self.code = 1200 if exc.status_code == 404 else exc.status_code  # outside the table: the HTTP status


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StillmotionError)
    async def _ours(request: Request, exc: StillmotionError) -> JSONResponse:
        return error_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(invalid_field(list(exc.errors())), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        response = error_response(_FrameworkError(exc), request.url.path)
        response.headers.update(dict(exc.headers or {}))
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        log.exception("unhandled error, request_id=%s path=%s", request_id, request.url.path)
        response = error_response(StillmotionError(f"Internal error (request id {request_id})."), request.url.path)
        response.headers["X-Request-ID"] = request_id
        return response
