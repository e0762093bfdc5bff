"""Storage that refuses a write fails the task with 5005, refunds it, and leaves nothing partial.

The server runs in a private mount namespace (`unshare --mount`, root only), where its videos
folder is a read-only bind mount, or its scratch folder a 256 KiB tmpfs that fills up mid-render:
a real read-only file system and a real full disk, gone when the process ends. Its own files are
read through /proc/PID/root, which shows them as the server sees them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from stillmotion.tasks.credits import task_cost
from tests.conftest import create_task, wait_for_task
from tests.control.conftest import ledger_rows
from tests.support.images import encode, landscape
from tests.support.keyed_server import KeyedServer
from tests.support.servers import ImageHost

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="a private mount namespace needs root")


def in_private_mounts(setup: str) -> list[str]:
    """Words that run a command after `setup` (shell) in a mount namespace of its own."""
    return ["unshare", "--mount", "--propagation", "private", "sh", "-ec", setup + '\nexec "$@"', "sh"]


@pytest.fixture
def refusing_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[KeyedServer]:
    data = tmp_path / "data"
    for folder in ("videos", "scratch", "uploads"):
        (data / folder).mkdir(parents=True)
    server = KeyedServer(data, ("lena",))
    videos, scratch = data / "videos", data / "scratch"
    server.wrapper = in_private_mounts(
        {
            "read-only videos": f"mount --bind {videos} {videos}\nmount -o remount,bind,ro {videos}",
            "full scratch": f"mount -t tmpfs -o size=256k tmpfs {scratch}",
        }[request.param]
    )
    with server.running():
        yield server


def seen_by_server(server: KeyedServer, path: Path) -> Path:
    assert server.process is not None
    return Path(f"/proc/{server.process.pid}/root") / path.relative_to("/")


@pytest.mark.parametrize("refusing_server", ["read-only videos", "full scratch"], indirect=True)
def test_a_refused_write_fails_the_task_with_5005_refunded_and_nothing_partial(
    refusing_server: KeyedServer, image_host: ImageHost
) -> None:
    url = image_host.add("/refused.jpg", encode(landscape(1920, 1080, seed=41)), "image/jpeg")
    with refusing_server.client_for("lena") as client:
        task_id = create_task(client, image_url=url, resolution="1080p", duration=2)
        task = wait_for_task(client, task_id, timeout=120)
    assert task["status"] == "TASK_FAILED" and task["failure_code"] == 5005, task
    assert task["message"].startswith("Storage failed: the video could not be"), task["message"]
    cost = task_cost("1080p", 2, False)
    assert ledger_rows(refusing_server, "lena", task_id) == {"reserve": -cost, "refund": cost}
    for folder in ("videos", "scratch"):
        leftovers = list(seen_by_server(refusing_server, refusing_server.data_dir / folder).iterdir())
        assert leftovers == [], f"{folder}: {leftovers}"
