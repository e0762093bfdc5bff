"""Rules the worker enforces on a task after create, through real servers: image moderation
(refused image, `enable_moderation: false`, `STILLMOTION_MODERATION_REQUIRED`) and the task
timeout (`STILLMOTION_TASK_TIMEOUT_SECONDS`).

No test image may be explicit, so the refusal is made with the operator's threshold: at 0.0
every score reaches it and open_nsfw refuses any picture, which is exactly the path a refused
photo takes (the classifier runs, its score meets the threshold, the task fails with 1002)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import create_task, wait_for_task
from tests.support.keyed_server import KeyedServer

REFUSED = "The image was refused by content moderation (category: sexual content)."


def _server(tmp_path_factory: pytest.TempPathFactory, name: str, **env: str) -> KeyedServer:
    return KeyedServer(tmp_path_factory.mktemp(name), ("dana",), **env)


@pytest.fixture(scope="module")
def strict_images(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = _server(tmp_path_factory, "strict-images", STILLMOTION_MODERATION_IMAGE_THRESHOLD="0.0")
    with server.running(), server.client_for("dana") as client:
        yield client


@pytest.fixture(scope="module")
def required_moderation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = _server(tmp_path_factory, "required", STILLMOTION_MODERATION_IMAGE_THRESHOLD="0.0",
                     STILLMOTION_MODERATION_REQUIRED="true")  # fmt: skip
    with server.running(), server.client_for("dana") as client:
        yield client


@pytest.fixture(scope="module")
def short_timeout(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    server = _server(tmp_path_factory, "timeout", STILLMOTION_TASK_TIMEOUT_SECONDS="1")
    with server.running(), server.client_for("dana") as client:
        yield client


def test_a_refused_image_fails_the_task_with_1002(strict_images: httpx.Client, image_host: Any) -> None:
    task = wait_for_task(strict_images, create_task(strict_images, image_url=image_host.url("/landscape.jpg")))
    assert (task["status"], task["failure_code"], task["message"]) == ("TASK_FAILED", 1002, REFUSED), task
    assert "video_url" not in task


def test_enable_moderation_false_skips_the_image_check(strict_images: httpx.Client, image_host: Any) -> None:
    task_id = create_task(strict_images, image_url=image_host.url("/landscape.jpg"), enable_moderation=False)
    task = wait_for_task(strict_images, task_id)
    assert task["status"] == "TASK_SUCCEEDED", task


def test_required_moderation_checks_the_image_even_when_the_request_says_false(
    required_moderation: httpx.Client, image_host: Any
) -> None:
    task_id = create_task(required_moderation, image_url=image_host.url("/landscape.jpg"), enable_moderation=False)
    task = wait_for_task(required_moderation, task_id)
    assert (task["status"], task["failure_code"], task["message"]) == ("TASK_FAILED", 1002, REFUSED), task


def test_a_task_over_its_time_limit_fails_with_5004(short_timeout: httpx.Client, image_host: Any) -> None:
    """A 1080p render takes far longer than 1 s; the limit stops it at a frame and refunds it."""
    task_id = create_task(short_timeout, image_url=image_host.url("/landscape.jpg"), resolution="1080p", duration=4)
    task = wait_for_task(short_timeout, task_id)
    assert (task["status"], task["failure_code"]) == ("TASK_FAILED", 5004), task
    assert task["progress"] < 100
