"""Real servers on loopback for end-to-end tests: an image host and the stillmotion server itself."""

from __future__ import annotations

import json
import os
import resource
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

Route = Callable[[BaseHTTPRequestHandler], None]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ImageHost:
    """A threaded HTTP server on 127.0.0.1 serving in-memory files and custom routes."""

    def __init__(self) -> None:
        self.files: dict[str, tuple[bytes, str]] = {}
        self.routes: dict[str, Route] = {}
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                path = self.path.split("?", 1)[0]
                if path in host.routes:
                    host.routes[path](self)
                    return
                if path not in host.files:
                    self.send_error(404)
                    return
                body, content_type = host.files[path]
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def add(self, path: str, body: bytes, content_type: str = "application/octet-stream") -> str:
        self.files[path] = (body, content_type)
        return self.url(path)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class ChildProcess:
    """A subprocess a test starts and ends: `kill()` like a crash, `stop()` like an operator."""

    process: subprocess.Popen[bytes] | None = None
    stop_timeout = 15.0
    """How long `stop()` waits after SIGTERM before it kills."""

    def kill(self) -> None:
        """kill -9: no shutdown handlers run, exactly like a crash."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                self.kill()


class ServerProcess(ChildProcess):
    """`stillmotion serve` in a subprocess with its own data directory and port.

    `file_size_limit`: bytes; when set, the server runs under RLIMIT_FSIZE, so any file it writes
    past that size fails with EFBIG (Python ignores SIGXFSZ): a full disk without mount rights.
    """

    file_size_limit: int | None = None

    def __init__(self, data_dir: Path, **env: str) -> None:
        self.data_dir = data_dir
        self.wrapper: list[str] = []
        """Command words `serve` runs under (e.g. `unshare` for a private mount namespace)."""
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            "STILLMOTION_DATA_DIR": str(data_dir),
            "STILLMOTION_PORT": str(self.port),
            "STILLMOTION_FETCH_ALLOW": "127.0.0.1",
            "STILLMOTION_LOG_LEVEL": "WARNING",
            # The test environment has the semantic-moderation model (tests/moderation test it in
            # process); loading torch and MiniLM in every server started here would cost seconds each.
            "STILLMOTION_MODERATION_SEMANTIC": "false",
            **env,
        }
        self.log_path = data_dir / "server.log"

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "stillmotion", *args], env=self.env, capture_output=True, check=True, timeout=120
        )
        return result.stdout.decode()

    def create_key(self, name: str, credits: int = 100_000) -> dict[str, Any]:
        """A key set for `name`; a new account gets `credits` (plenty, unless a test is about credits)."""
        return json.loads(self.cli("keys", "create", "--name", name, "--credits", str(credits), "--json"))

    def start(self, timeout: float = 60.0) -> None:
        """Start `serve` and return once it answers /readyz."""
        self.spawn()
        assert self.process is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited early:\n{self.log_path.read_text()}")
            try:
                if httpx.get(self.base_url + "/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server not ready after {timeout} s:\n{self.log_path.read_text()}")

    def spawn(self) -> None:
        """Start `serve` and return at once (`bench/footprint.py` times what follows)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [*self.wrapper, sys.executable, "-m", "stillmotion", "serve"], env=self.env, stdout=log,
            stderr=subprocess.STDOUT, preexec_fn=self._limit_file_size if self.file_size_limit is not None else None,
        )

    def _limit_file_size(self) -> None:
        assert self.file_size_limit is not None
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.file_size_limit, self.file_size_limit))

    def client(self, token: str) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
