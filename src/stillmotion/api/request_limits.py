"""Refuse oversized requests before they are buffered: headers (431/1003) and bodies (413/1003).

Headers: the HTTP parser (httptools under uvicorn) takes header blocks of any size, so a
client could make every request carry a megabyte `Authorization` that the server would then
parse as a token. Their total is capped here, before any route sees them.

Bodies are checked twice: the announced Content-Length up front, and the bytes actually
received (a chunked upload announces nothing). The second check raises BodyTooLarge from
inside `receive`; whoever reads the body (FastAPI's JSON or form parsing) fails with it, and
the error handler answers it (api/errors.py), or this middleware does if nobody caught it.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stillmotion.api.errors import error_response
from stillmotion.errors import BodyTooLarge, HeadersTooLarge

MAX_HEADER_BYTES = 32 * 1024
"""All request header names and values together; as nginx's default ceiling (4 x 8 KiB).
A JWT is a few hundred bytes."""


class RequestLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_header_bytes: int = MAX_HEADER_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        raw_headers = scope.get("headers") or []
        if sum(len(name) + len(value) for name, value in raw_headers) > self.max_header_bytes:
            await error_response(HeadersTooLarge(), scope["path"])(scope, receive, send)
            return
        announced = dict(raw_headers).get(b"content-length")
        if announced is not None and announced.isdigit() and int(announced) > self.max_body_bytes:
            await error_response(BodyTooLarge(), scope["path"])(scope, receive, send)
            return

        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    raise BodyTooLarge()
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal response_started
            response_started = response_started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not response_started:
                await error_response(BodyTooLarge(), scope["path"])(scope, receive, send)
