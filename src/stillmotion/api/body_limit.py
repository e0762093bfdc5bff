"""Refuse oversized request bodies with 413/1003 before they are buffered.

Checked twice: the announced Content-Length up front, and the bytes actually
received (a chunked upload announces nothing).
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from stillmotion.api.errors import error_response
from stillmotion.errors import BodyTooLarge


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        announced = headers.get(b"content-length")
        if announced is not None and announced.isdigit() and int(announced) > self.max_bytes:
            await error_response(BodyTooLarge(), scope["path"])(scope, receive, send)
            return

        received = 0
        response_started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
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
