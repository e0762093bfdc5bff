"""A server killed with -9, or stopped on purpose, in the middle of a render: the task still ends, once."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import av
import httpx
import pytest

from tests.conftest import create_task, wait_for_task
from tests.support.images import encode, landscape
from tests.support.postgres import STORES, store_env
from tests.support.servers import ImageHost, ServerProcess
from tests.support.store_query import query
from tests.support.tasks import wait_until_rendering


@pytest.fixture
def max_attempts() -> int:
    return 2


@pytest.fixture(params=STORES)
def crashable(tmp_path: Path, request: pytest.FixtureRequest, max_attempts: int) -> Iterator[ServerProcess]:
    """On SQLite and on a fresh PostgreSQL database: leases and reclaims are the store's work."""
    with store_env(request.param) as env:
        server = ServerProcess(tmp_path / "data", STILLMOTION_LEASE_SECONDS="2",
                               STILLMOTION_MAX_ATTEMPTS=str(max_attempts), **env)  # fmt: skip
        server.keys = {"carol": server.create_key("carol")}  # type: ignore[attr-defined]
        server.start()
        yield server
        server.stop()


def test_kill_9_mid_render_then_restart_finishes_the_task_once(crashable: ServerProcess, image_host: ImageHost) -> None:
    url = image_host.add("/crash.jpg", encode(landscape(1920, 1080, seed=9)), "image/jpeg")
    with crashable.client(crashable.keys["carol"]["api_key"]) as client:  # type: ignore[attr-defined]
        task_id = create_task(client, image_url=url, resolution="1080p", duration=6, seed=5)
        wait_until_rendering(client, task_id)
        crashable.kill()
        crashable.start()
        task = wait_for_task(client, task_id, timeout=180)
    assert task["status"] == "TASK_SUCCEEDED", task
    assert query(crashable, "SELECT status, attempts FROM tasks WHERE id = :id", id=task_id) == [("TASK_SUCCEEDED", 2)]
    assert query(crashable, "SELECT COUNT(*) FROM tasks") == [(1,)]
    videos = sorted(p.name for p in (crashable.data_dir / "videos").iterdir())
    assert videos == [f"{task_id}.mp4"], "no partial file of the killed attempt may remain"
    with av.open(str(crashable.data_dir / "videos" / videos[0])) as container:
        assert sum(1 for _ in container.decode(video=0)) == 180


@pytest.mark.parametrize("max_attempts", [1])
def test_a_task_out_of_attempts_fails_with_5004(crashable: ServerProcess, image_host: ImageHost) -> None:
    url = image_host.add("/crash2.jpg", encode(landscape(1920, 1080, seed=10)), "image/jpeg")
    with crashable.client(crashable.keys["carol"]["api_key"]) as client:  # type: ignore[attr-defined]
        task_id = create_task(client, image_url=url, resolution="1080p", duration=6)
        wait_until_rendering(client, task_id)
        crashable.kill()
        crashable.start()
        task = wait_for_task(client, task_id, timeout=60)
    assert task["status"] == "TASK_FAILED" and task["failure_code"] == 5004, task
    assert "attempt" in task["message"]


@contextmanager
def long_render(server: ServerProcess, image_host: ImageHost, seed: int, duration: int) -> Iterator[tuple[httpx.Client, str]]:
    """The server started with a 1080p task of `duration` s created (by a key of its own); stopped after."""
    key = server.create_key(f"renderer-{seed}")["api_key"]
    url = image_host.add(f"/render-{seed}.jpg", encode(landscape(1920, 1080, seed=seed)), "image/jpeg")
    server.start()
    try:
        with server.client(key) as client:
            yield client, create_task(client, image_url=url, resolution="1080p", duration=duration)
    finally:
        server.stop()


def test_two_routine_restarts_mid_render_do_not_use_up_its_attempts(tmp_path: Path, image_host: ImageHost) -> None:
    """SIGTERM with no grace hands the running task back (pending, attempt not counted): with a
    single attempt allowed, two restarts during one render still end in a video, not 5004."""
    server = ServerProcess(tmp_path / "data", STILLMOTION_LEASE_SECONDS="2", STILLMOTION_MAX_ATTEMPTS="1",
                           STILLMOTION_SHUTDOWN_GRACE_SECONDS="0")  # fmt: skip
    with long_render(server, image_host, seed=11, duration=6) as (client, task_id):
        for _ in range(2):
            wait_until_rendering(client, task_id)
            server.stop()
            # uvicorn ends by re-raising the SIGTERM it handled; -9 would mean stop() had to kill it
            assert server.process is not None and server.process.returncode == -signal.SIGTERM
            server.start()
        task = wait_for_task(client, task_id, timeout=180)
    assert task["status"] == "TASK_SUCCEEDED", task
    with sqlite3.connect(server.data_dir / "stillmotion.db") as db:
        assert db.execute("SELECT attempts FROM tasks WHERE id = ?", (task_id,)).fetchall() == [(1,)]
    assert server.log_path.read_text().count("handed back 1 running task(s) on stopping") == 2


def test_sigterm_with_a_grace_period_lets_the_render_finish(tmp_path: Path, image_host: ImageHost) -> None:
    server = ServerProcess(tmp_path / "data", STILLMOTION_SHUTDOWN_GRACE_SECONDS="120")
    with long_render(server, image_host, seed=12, duration=4) as (client, task_id):
        wait_until_rendering(client, task_id)
        assert server.process is not None
        server.process.terminate()
        assert server.process.wait(timeout=150) == -signal.SIGTERM  # uvicorn re-raises it once stopped
    with sqlite3.connect(server.data_dir / "stillmotion.db") as db:
        assert db.execute("SELECT status, attempts FROM tasks WHERE id = ?", (task_id,)).fetchall() == [
            ("TASK_SUCCEEDED", 1)
        ]
    assert (server.data_dir / "videos" / f"{task_id}.mp4").is_file()
