"""Synthetic photos drawn in code, and fake language-model servers on loopback.

Each picture is drawn to show one thing the scene summary must recognise (or
must not invent), with seeded noise so edges and textures look like a photo's
rather than flat paint.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import cv2
import numpy as np
import pytest

from stillmotion.prompts.scene_summary import SceneSummary, summarize_scene

WIDTH, HEIGHT = 320, 200


def _noise(
    rng: np.random.Generator, amount: float, shape: tuple[int, int] = (HEIGHT, WIDTH)
) -> np.ndarray:
    return rng.normal(0.0, amount, size=(*shape, 1))


def _finish(canvas: np.ndarray) -> np.ndarray:
    finished: np.ndarray = np.clip(canvas, 0, 255).astype(np.uint8)
    return finished


def _vertical_gradient(
    top: tuple[int, int, int], bottom: tuple[int, int, int], rows: int
) -> np.ndarray:
    t = np.linspace(0.0, 1.0, rows)[:, None, None]
    return (1 - t) * np.array(top, np.float64) + t * np.array(bottom, np.float64)


def draw_sky_over_meadow(seed: int = 1) -> np.ndarray:
    """Blue sky with two clouds over textured green grass; horizon at 45%."""
    rng = np.random.default_rng(seed)
    canvas = np.zeros((HEIGHT, WIDTH, 3))
    horizon = int(HEIGHT * 0.45)
    canvas[:horizon] = _vertical_gradient((70, 130, 215), (150, 190, 235), horizon)
    for cx, cy in ((80, 30), (230, 50)):
        cv2.ellipse(canvas, (cx, cy), (40, 12), 0, 0, 360, (245, 245, 250), -1)
    canvas[horizon:] = _vertical_gradient((90, 150, 60), (50, 110, 30), HEIGHT - horizon)
    canvas[horizon:] += _noise(rng, 18, (HEIGHT - horizon, WIDTH))
    return _finish(cv2.GaussianBlur(canvas, (0, 0), 1.0))


def draw_lake(seed: int = 2) -> np.ndarray:
    """Sky, a dark treeline, a wide lake with horizontal ripples, a grassy shore."""
    rng = np.random.default_rng(seed)
    canvas = np.zeros((HEIGHT, WIDTH, 3))
    canvas[:70] = _vertical_gradient((80, 140, 220), (160, 195, 235), 70)
    canvas[70:90] = (30, 70, 35)
    canvas[70:90] += _noise(rng, 20, (20, WIDTH))
    lake = _vertical_gradient((60, 110, 170), (40, 90, 150), 80)
    ripples = 12 * np.sin(np.arange(80) * 1.3)[:, None, None]
    canvas[90:170] = lake + ripples + _noise(rng, 4, (80, WIDTH))
    canvas[170:] = (70, 120, 45)
    canvas[170:] += _noise(rng, 18, (HEIGHT - 170, WIDTH))
    return _finish(cv2.GaussianBlur(canvas, (0, 0), 0.8))


def draw_night_street(seed: int = 3) -> np.ndarray:
    """Dark blue night with a row of warm street lamps and lit windows."""
    rng = np.random.default_rng(seed)
    canvas = _vertical_gradient((10, 12, 30), (25, 25, 35), HEIGHT).repeat(WIDTH, axis=1)
    canvas += _noise(rng, 3)
    for x in range(30, WIDTH, 60):
        cv2.circle(canvas, (x, 80), 4, (255, 230, 170), -1)
    for x in range(20, WIDTH, 45):
        cv2.rectangle(canvas, (x, 130), (x + 6, 138), (250, 220, 150), -1)
    return _finish(canvas)


def draw_golden_hour(seed: int = 4) -> np.ndarray:
    """Orange sunset sky over a dark, warm-lit field."""
    rng = np.random.default_rng(seed)
    canvas = np.zeros((HEIGHT, WIDTH, 3))
    horizon = int(HEIGHT * 0.5)
    canvas[:horizon] = _vertical_gradient((240, 150, 80), (250, 200, 120), horizon)
    canvas[horizon:] = _vertical_gradient((120, 80, 30), (70, 45, 20), HEIGHT - horizon)
    canvas[horizon:] += _noise(rng, 15, (HEIGHT - horizon, WIDTH))
    return _finish(cv2.GaussianBlur(canvas, (0, 0), 0.8))


def draw_overcast_field(seed: int = 5) -> np.ndarray:
    """Flat grey sky over a dull, desaturated field."""
    rng = np.random.default_rng(seed)
    canvas = np.zeros((HEIGHT, WIDTH, 3))
    horizon = int(HEIGHT * 0.5)
    canvas[:horizon] = _vertical_gradient((200, 202, 205), (215, 215, 218), horizon)
    canvas[horizon:] = (105, 110, 95)
    canvas[horizon:] += _noise(rng, 20, (HEIGHT - horizon, WIDTH))
    return _finish(cv2.GaussianBlur(canvas, (0, 0), 0.8))


def draw_campfire(seed: int = 6) -> np.ndarray:
    """A dark scene lit by an orange fire in the lower middle."""
    rng = np.random.default_rng(seed)
    canvas = np.full((HEIGHT, WIDTH, 3), (35, 28, 22), np.float64) + _noise(rng, 5)
    cv2.ellipse(canvas, (160, 150), (28, 38), 0, 0, 360, (250, 120, 20), -1)
    cv2.ellipse(canvas, (160, 158), (14, 22), 0, 0, 360, (255, 200, 60), -1)
    return _finish(cv2.GaussianBlur(canvas, (0, 0), 1.5))


def draw_portrait(seed: int = 7) -> np.ndarray:
    """A drawn frontal face (skin oval, hair, eyes, brows, nose, mouth) on a plain wall."""
    rng = np.random.default_rng(seed)
    size = 256
    canvas = np.full((size, size, 3), (200, 160, 120), np.float64) + _noise(rng, 3, (size, size))
    cx, cy = size // 2, size // 2
    cv2.ellipse(canvas, (cx, cy), (60, 80), 0, 0, 360, (220, 170, 140), -1)
    cv2.ellipse(canvas, (cx, cy - 60), (64, 35), 0, 180, 360, (40, 30, 30), -1)
    for dx in (-24, 24):
        cv2.ellipse(canvas, (cx + dx, cy - 15), (12, 6), 0, 0, 360, (50, 40, 40), -1)
        cv2.line(canvas, (cx + dx - 14, cy - 30), (cx + dx + 14, cy - 30), (60, 40, 40), 4)
    cv2.line(canvas, (cx, cy - 10), (cx - 6, cy + 20), (180, 130, 110), 2)
    cv2.ellipse(canvas, (cx, cy + 40), (20, 7), 0, 0, 360, (160, 80, 80), -1)
    return _finish(cv2.GaussianBlur(canvas, (0, 0), 2.0))


def draw_foggy(seed: int = 8) -> np.ndarray:
    """Pale, washed-out, low-contrast grey: fog."""
    rng = np.random.default_rng(seed)
    canvas = _vertical_gradient((205, 208, 210), (180, 183, 185), HEIGHT).repeat(WIDTH, axis=1)
    cv2.rectangle(canvas, (60, 90), (90, 200), (165, 168, 170), -1)  # a faint tree trunk
    canvas += _noise(rng, 2)
    return _finish(cv2.GaussianBlur(canvas, (0, 0), 2.0))


def draw_brick_wall(seed: int = 9) -> np.ndarray:
    """A reddish-brown brick wall under even light: no sky, water, plants or people."""
    rng = np.random.default_rng(seed)
    canvas = np.full((HEIGHT, WIDTH, 3), (150, 85, 65), np.float64)
    for row, y in enumerate(range(0, HEIGHT, 20)):
        cv2.line(canvas, (0, y), (WIDTH, y), (190, 185, 175), 2)
        for x in range(-20 if row % 2 else 0, WIDTH, 40):
            cv2.line(canvas, (x, y), (x, y + 20), (190, 185, 175), 2)
    canvas += _noise(rng, 12)
    return _finish(canvas)


SCENES: dict[str, Callable[[], np.ndarray]] = {
    "meadow": draw_sky_over_meadow,
    "lake": draw_lake,
    "night": draw_night_street,
    "golden": draw_golden_hour,
    "overcast": draw_overcast_field,
    "campfire": draw_campfire,
    "portrait": draw_portrait,
    "fog": draw_foggy,
    "wall": draw_brick_wall,
}


@pytest.fixture(scope="session")
def scenes() -> dict[str, np.ndarray]:
    return {name: draw() for name, draw in SCENES.items()}


@pytest.fixture(scope="session")
def scene_summaries(scenes: dict[str, np.ndarray]) -> dict[str, SceneSummary]:
    """Each scene read once: the engine's analysis takes tens of milliseconds per image."""
    return {name: summarize_scene(image) for name, image in scenes.items()}


# --- Fake chat-completions servers -------------------------------------------------


class FakeLLM:
    """A real HTTP server on 127.0.0.1 that answers POST /v1/chat/completions.

    `behaviour` decides the answer: "good" (a proper completion whose content
    is `content`), "slow" (sleeps `delay` seconds first), "error" (500),
    "garbage" (200 with a body that is not JSON). Requests are recorded.
    """

    def __init__(self, behaviour: str, content: str = "", delay: float = 0.0) -> None:
        self.behaviour = behaviour
        self.content = content
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # A short poll interval so that shutdown() at teardown takes milliseconds, not 0.5 s.
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.requests.append(
                    {"path": self.path, "headers": dict(self.headers), "json": json.loads(body)}
                )
                if fake.behaviour == "slow":
                    time.sleep(fake.delay)
                if fake.behaviour == "error":
                    self._send(500, b'{"error": {"message": "model crashed"}}')
                elif fake.behaviour == "garbage":
                    self._send(200, b"<html>definitely not json")
                else:
                    completion = {
                        "id": "chatcmpl-test",
                        "object": "chat.completion",
                        "choices": [
                            {
                                "index": 0,
                                "message": {"role": "assistant", "content": fake.content},
                                "finish_reason": "stop",
                            }
                        ],
                    }
                    self._send(200, json.dumps(completion).encode())

            def _send(self, status: int, payload: bytes) -> None:
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test); nothing to tell it

        return Handler

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def fake_llm() -> Iterator[Callable[..., FakeLLM]]:
    """Factory: `fake_llm("good", content=...)` starts a server that stops after the test."""
    started: list[FakeLLM] = []

    def start(behaviour: str, content: str = "", delay: float = 0.0) -> FakeLLM:
        server = FakeLLM(behaviour, content, delay).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)
