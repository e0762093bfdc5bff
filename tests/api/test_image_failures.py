"""Each image failure reaches the user with its own clear message, at create time when cheap."""

from __future__ import annotations

from typing import Any

import httpx

from tests.conftest import create_task, wait_for_task
from tests.support.images import encode, landscape

CREATE = "/api/vdr/videos/image2video"


def create(client: httpx.Client, url: str) -> httpx.Response:
    return client.post(CREATE, json={"model_name": "bach-1.0-preview", "image_url": url,
                                     "resolution": "720p", "duration": 1})


def test_private_addresses_are_refused_at_create(alice: httpx.Client) -> None:
    for url in ("http://10.0.0.1/a.jpg", "http://169.254.169.254/latest/meta-data", "http://[::1]/a.png",
                "http://127.0.0.2:9/a.png", "http://0.0.0.0/a.png", "http://192.168.1.10/a.png"):
        response = create(alice, url)
        assert response.status_code == 400 and response.json()["code"] == 1001, (url, response.text)


def test_fetch_failures_fail_the_task_with_1001(alice: httpx.Client, image_host: Any) -> None:
    image_host.add("/page.html", b"<!doctype html><html><body>hi</body></html>", "text/html")
    image_host.add("/small.png", encode(landscape(200, 200), "PNG"), "image/png")
    cases = {"/missing.jpg": "404", "/page.html": "not", "/small.png": "300"}
    for path, words in cases.items():
        task = wait_for_task(alice, create_task(alice, image_url=image_host.url(path)))
        assert task["status"] == "TASK_FAILED" and task["failure_code"] == 1001, (path, task)
        assert words.lower() in task["message"].lower(), (path, task["message"])
