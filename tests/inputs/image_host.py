"""A real image host on loopback for the image input tests.

The server is a plain threading http.server: each test registers the routes it needs (an
image, a 404, a redirect chain, a slow or endless body...) under its own paths, and the fetcher
talks to it over real TCP, exactly as it talks to the internet.
"""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class ImageServer:
    """Routes by path; every request is recorded (path and headers) in `seen`."""

    host: str
    port: int
    scheme: str = "http"
    routes: dict[str, Route] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)

    def url(self, path: str, host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.host}:{self.port}{path}"

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)


def send_body(
    body: bytes, content_type: str = "application/octet-stream", status: int = 200
) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        # The fetcher hangs up early when the body breaks a rule, as it should.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body)

    return route


def redirect(location: str, status: int = 302) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def chunked(chunks: Iterator[bytes], content_type: str = "image/png") -> Route:
    """A body with no Content-Length (chunked transfer), produced lazily."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # as in send_body
            for chunk in chunks:
                handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                handler.wfile.flush()
            handler.wfile.write(b"0\r\n\r\n")

    return route


def stall(seconds: float, then: Route) -> Route:
    """Say nothing for `seconds`, then answer like `then`."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # it gave up waiting
            then(handler)

    return route


def trickle(pause: float, seconds: float) -> Iterator[bytes]:
    """One byte every `pause` seconds for `seconds`: never idle long, never finished soon."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        time.sleep(pause)
        yield b"\x00"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        image_server = self.server.image_server
        path = self.path.split("?", 1)[0]
        image_server.seen.append(Seen(path, {k.lower(): v for k, v in self.headers.items()}))
        route = image_server.routes.get(path)
        if route is None:
            send_body(b"not found", "text/plain", status=404)(self)
        else:
            route(self)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep test output clean


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    image_server: ImageServer


def serve(tls: ssl.SSLContext | None = None) -> Iterator[ImageServer]:
    server = _Server(("127.0.0.1", 0), _Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.image_server = ImageServer(
        "127.0.0.1", server.server_address[1], "https" if tls else "http"
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.image_server
    finally:
        server.shutdown()
        server.server_close()
