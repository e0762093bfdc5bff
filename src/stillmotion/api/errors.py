"""The one place where exceptions become error responses.

Every error is rendered in the shape of the face that was asked: the document's envelope
`{"code", "message", "data"}`, or under `/v1/` OpenAI's `{"error": {...}}`, with a code from the
table in docs/api.md: our own errors carry their code; request validation maps to 1000 with the rule of
the field or parameter it names; every failure to parse a body (JSON that is not JSON, invalid
UTF-8, nesting too deep, a multipart body without a boundary or with too many fields) is a
1000, or the error that caused it (a body over the limit is 413/1003 however it was sent);
framework answers (unknown route, wrong method) map to 1200; anything unexpected is a 5000 with
a request id that also appears in the log, never a stack trace in the body.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from stillmotion.api.openai_errors import OPENAI_PREFIX, openai_error
from stillmotion.api.schemas import PARAMETER_RULES, REQUIRED_MESSAGES
from stillmotion.errors import BodyTooLarge, InvalidField, StillmotionError

log = logging.getLogger("stillmotion.api")

BODY_NOT_JSON = "Request body must be a JSON object."

FRAMEWORK_CODES = {400: 1000, 404: 1200, 405: 1200, 413: 1003}
"""Codes for the HTTP errors Starlette and FastAPI raise themselves (an unknown route, a method
the path does not serve, a body they could not parse or that is too large)."""
_FRAMEWORK_MESSAGES = {404: "Not found.", 405: "Method not allowed."}


def envelope(http_status: int, code: int, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"code": code, "message": message, "data": None}, status_code=http_status, headers=headers)


def error_response(exc: StillmotionError, path: str = "") -> JSONResponse:
    """`exc` as the face serving `path` answers errors."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after is not None else None
    if path.startswith(OPENAI_PREFIX):
        return openai_error(exc, headers)
    return envelope(exc.http_status, exc.code, exc.message, headers)


def invalid_field(errors: list[dict[str, Any]]) -> InvalidField:
    """The first rejected field or parameter of validation errors, with its rule in the document's style."""
    for error in errors:
        loc = tuple(error.get("loc", ()))
        kind = error.get("type", "")
        if kind in ("json_invalid", "json_type") or loc == ("body",):
            return InvalidField(BODY_NOT_JSON)
        name = next((part for part in loc[1:] if isinstance(part, str)), None)
        if name is None:
            continue
        if kind == "missing" and name in REQUIRED_MESSAGES:
            return InvalidField(REQUIRED_MESSAGES[name], field=name)
        return InvalidField(PARAMETER_RULES.get(name, f"{name} is invalid."), field=name)
    return InvalidField(BODY_NOT_JSON)


def _parse_failure(exc: StarletteHTTPException) -> StillmotionError:
    """What a 400 or 413 raised while reading the body means, in our codes.

    FastAPI turns any exception raised while it reads a body into a 400 "There was an error
    parsing the body" chained to the real cause: our own error (BodyTooLarge from the body limit
    on a chunked body, InvalidField from a text check) keeps its code; anything else (invalid
    UTF-8, JSON nested past the recursion limit) is a body that is not valid JSON. Starlette's
    multipart errors ("Missing boundary", "Too many fields") carry their own sentence.
    """
    cause = exc.__cause__
    if isinstance(cause, StillmotionError):
        return cause
    if exc.status_code == 413:
        return BodyTooLarge()
    if isinstance(cause, UnicodeDecodeError):
        return InvalidField("Request body is not valid UTF-8.")
    if cause is not None:
        return InvalidField(BODY_NOT_JSON)
    return InvalidField(f"Request body could not be parsed: {exc.detail}")


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def allowed_methods(request: Request) -> str:
    """Every method some route serves at this path. Starlette's own 405 names only the first
    route's, so `OPTIONS /api/vdr/videos/image2video` would say POST although GET lives there.
    Asked through each route's public `matches` (FastAPI nests included routers' routes)."""
    served = [
        method
        for method in _METHODS
        if any(route.matches({**request.scope, "method": method})[0] == Match.FULL for route in request.app.router.routes)
    ]
    return ", ".join(served)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StillmotionError)
    async def _ours(request: Request, exc: StillmotionError) -> JSONResponse:
        return error_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(invalid_field(list(exc.errors())), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code in (400, 413):
            return error_response(_parse_failure(exc), request.url.path)
        if exc.status_code not in FRAMEWORK_CODES:
            return unexpected(request, exc)  # nothing else is raised today; never a code outside the table
        framework = StillmotionError(_FRAMEWORK_MESSAGES.get(exc.status_code, str(exc.detail)))
        framework.http_status, framework.code = exc.status_code, FRAMEWORK_CODES[exc.status_code]
        response = error_response(framework, request.url.path)
        response.headers.update(dict(exc.headers or {}))
        if exc.status_code == 405:
            response.headers["Allow"] = allowed_methods(request)
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return unexpected(request, exc)


def unexpected(request: Request, exc: Exception) -> JSONResponse:
    """500/5000 with a request id; the stack trace goes to the log only."""
    request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
    log.error("unhandled error, request_id=%s path=%s", request_id, request.url.path, exc_info=exc)
    response = error_response(StillmotionError(f"Internal error (request id {request_id})."), request.url.path)
    response.headers["X-Request-ID"] = request_id
    return response
