"""Real webhook receivers on loopback, each path with its own behaviour, recording every call."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

# A behaviour gets the 1-based number of the call on its path and returns the status to answer
# (after doing whatever it does, e.g. sleeping).
Behaviour = Callable[[int], int]


def fail_first(n: int) -> Behaviour:
    return lambda call: 500 if call <= n else 200


def always(status: int) -> Behaviour:
    return lambda call: status


def sleep_first(seconds: float) -> Behaviour:
    def behave(call: int) -> int:
        if call == 1:
            time.sleep(seconds)
        return 200

    return behave


@dataclass
class Call:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    answered: int = 0

    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    behaviours: dict[str, Behaviour] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                call = Call(self.path, {k.lower(): v for k, v in self.headers.items()}, body, time.monotonic())
                with lock:
                    receiver.calls.append(call)
                    number = sum(1 for c in receiver.calls if c.path == self.path)
                behave = receiver.behaviours.get(self.path, always(404))
                call.answered = behave(number)
                try:
                    self.send_response(call.answered)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the sender gave up waiting, which is what a slow receiver tests

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def route(self, path: str, behaviour: Behaviour) -> str:
        self.behaviours[path] = behaviour
        return f"http://127.0.0.1:{self.port}{path}"

    def calls_to(self, path: str) -> list[Call]:
        return [call for call in self.calls if call.path == path]

    def wait_for(self, path: str, count: int, timeout: float) -> list[Call]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            calls = self.calls_to(path)
            if len(calls) >= count:
                return calls
            time.sleep(0.05)
        raise AssertionError(f"{path}: {len(self.calls_to(path))} calls after {timeout} s, wanted {count}")

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def verify_standard_webhook(secret: str, headers: dict[str, str], body: bytes, tolerance: float = 300) -> None:
    """The Standard Webhooks verification, written from the spec independently of the server:
    HMAC-SHA256 keyed with base64-decoded secret (after `whsec_`) over `id.timestamp.body`,
    compared in constant time with each `v1,` signature in the header; timestamp fresh."""
    message_id = headers["webhook-id"]
    timestamp = headers["webhook-timestamp"]
    assert abs(time.time() - int(timestamp)) < tolerance, "stale webhook-timestamp"
    key = base64.b64decode(secret.split("_", 1)[1])
    expected = base64.b64encode(hmac.new(key, f"{message_id}.{timestamp}.".encode() + body, hashlib.sha256).digest())
    signatures = [part.split(",", 1) for part in headers["webhook-signature"].split(" ")]
    assert any(version == "v1" and hmac.compare_digest(sig.encode(), expected) for version, sig in signatures), (
        "webhook-signature does not verify"
    )
