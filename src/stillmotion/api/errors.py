"""The one place where exceptions become envelope responses.

Everything the server answers is `{"code", "message", "data"}`: our own errors
carry their code, request validation maps to 1000 with the field's rule,
framework errors (unknown route, wrong method) keep their HTTP status, and
anything unexpected is a 5000 with a request id that also appears in the log,
never a stack trace in the body.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from stillmotion.api.schemas import FIELD_RULES, REQUIRED_MESSAGES
from stillmotion.errors import StillmotionError

log = logging.getLogger("stillmotion.api")


def envelope(http_status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": None}, status_code=http_status, headers=headers)


def error_response(exc: StillmotionError) -> JSONResponse:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    return envelope(exc.http_status, exc.code, exc.message, headers)


def validation_message(errors: list[dict[str, Any]]) -> str:
    """The message of the first rejected field, in the document's style."""
    for error in errors:
        loc = error.get("loc", ())
        kind = error.get("type", "")
        if kind in ("json_invalid", "json_type") or loc == ("body",):
            return "Request body must be a JSON object."
        field = next((part for part in loc[1:] if isinstance(part, str)), None) if loc[:1] == ("body",) else None
        if field in FIELD_RULES:
            if kind == "missing" and field in REQUIRED_MESSAGES:
                return REQUIRED_MESSAGES[field]
            return FIELD_RULES[field]
        if loc and loc[0] == "path":
            return "Invalid path parameter."
    return "Request body must be a JSON object."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StillmotionError)
    async def _ours(_request: Request, exc: StillmotionError) -> JSONResponse:
        return error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return envelope(400, 1000, validation_message(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        messages = {404: "Not found.", 405: "Method not allowed."}
        code = 1200 if exc.status_code == 404 else exc.status_code  # outside the table: the HTTP status
        headers = dict(exc.headers) if exc.headers else None
        return envelope(exc.status_code, code, messages.get(exc.status_code, str(exc.detail)), headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        log.exception("unhandled error, request_id=%s path=%s", request_id, request.url.path)
        return envelope(500, 5000, f"Internal error (request id {request_id}).", {"X-Request-ID": request_id})
