"""A slow-drip image host (one byte a second, forever, each byte resetting the read timeout) is
cut off by the fetch's total deadline: the task fails with 1001 saying so, well before the read
timeout alone would ever fire."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import httpx

from tests.hostile.conftest import FETCH_TOTAL_TIMEOUT
from tests.support.servers import ImageHost
from tests.support.tasks import TASKS, wait_until

DRIP_SECONDS = 1.0
DRIP_BYTES = 120  # the handler gives up after two minutes even if nobody hangs up


def drip(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "image/jpeg")
    handler.send_header("Content-Length", "1000000")
    handler.end_headers()
    try:
        for _ in range(DRIP_BYTES):
            handler.wfile.write(b"\xff")
            handler.wfile.flush()
            time.sleep(DRIP_SECONDS)
    except OSError:
        pass  # the fetcher hung up: what the test wants


def test_slow_drip_image_host_hits_the_total_deadline(image_host: ImageHost, alice: httpx.Client) -> None:
    image_host.routes["/drip.jpg"] = drip
    body = {"model_name": "bach-1.0-preview", "image_url": image_host.url("/drip.jpg"),
            "resolution": "720p", "duration": 1}  # fmt: skip
    created = alice.post(TASKS, json=body)
    assert created.status_code == 200, created.text
    task = wait_until(alice, created.json()["data"]["task_id"], lambda t: t["status"] == "TASK_FAILED", timeout=60)
    assert task["failure_code"] == 1001, task
    assert f"did not finish within {FETCH_TOTAL_TIMEOUT} s" in task["message"], task
