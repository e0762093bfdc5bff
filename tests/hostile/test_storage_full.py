"""A full disk under local storage: an upload answers 503/5001 with Retry-After (the client may
try again) and leaves no partial file; a render that cannot write its video ends TASK_FAILED with
5005 (storage failed) and its credits refunded; the server keeps answering.

The disk is a 64 KiB tmpfs mounted over the data directory's `uploads` and `videos` (a real
ENOSPC) where this process may mount; elsewhere (no mount rights) the server runs under a 64 KiB
RLIMIT_FSIZE (EFBIG), with its database on PostgreSQL so only the files feel the limit. The test
says which in its output."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.hostile.envelope import assert_answer
from tests.support.images import encode, landscape
from tests.support.keyed_server import KeyedServer
from tests.support.postgres import fresh_database
from tests.support.servers import ImageHost
from tests.support.tasks import TASKS, wait_until

SMALL = 64 * 1024


def _mount_tmpfs(where: Path) -> bool:
    where.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SMALL}", "tmpfs", str(where)],
                          capture_output=True, check=False)  # fmt: skip
    return done.returncode == 0


@pytest.fixture(scope="module")
def full_disk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeyedServer]:
    with ExitStack() as stack:
        data_dir = tmp_path_factory.mktemp("full-disk")
        mounted = [where for where in (data_dir / "uploads", data_dir / "videos") if _mount_tmpfs(where)]
        for where in mounted:
            stack.callback(subprocess.run, ["umount", "-l", str(where)], check=False)
        env = {"STILLMOTION_DATABASE_URL": stack.enter_context(fresh_database()), "STILLMOTION_RATE_LIMIT_PER_MINUTE": "0"}
        server = KeyedServer(data_dir, ("alice",), **env)
        if len(mounted) < 2:
            server.file_size_limit = SMALL
        print(f"full disk by {'tmpfs (ENOSPC)' if len(mounted) == 2 else 'RLIMIT_FSIZE (EFBIG)'}")
        stack.enter_context(server.running())
        yield server


def _photo() -> bytes:
    return encode(landscape(1200, 800, seed=3), quality=95)  # a few hundred KB: over the 64 KiB


def test_upload_on_a_full_disk_is_503_and_leaves_nothing(full_disk: KeyedServer) -> None:
    data = _photo()
    assert len(data) > 2 * SMALL
    with full_disk.client_for("alice") as alice:
        response = alice.post("/api/vdr/uploads", files={"file": ("a.jpg", data, "image/jpeg")})
        assert_answer(response, 503, 5001, "storage failed")
        assert response.headers["retry-after"].isdigit()
        assert list((full_disk.data_dir / "uploads").iterdir()) == []
        assert_answer(alice.get("/api/vdr/models"), 200, 200)


def test_render_on_a_full_disk_fails_the_task_and_refunds(full_disk: KeyedServer) -> None:
    host = ImageHost()
    try:
        url = host.add("/photo.jpg", _photo(), "image/jpeg")
        with full_disk.client_for("alice") as alice:
            created = alice.post(TASKS, json={"model_name": "bach-1.0-preview", "image_url": url,
                                              "resolution": "720p", "duration": 2})  # fmt: skip
            assert created.status_code == 200, created.text
            task = wait_until(alice, created.json()["data"]["task_id"],
                              lambda t: t["status"] in ("TASK_SUCCEEDED", "TASK_FAILED"), timeout=180)  # fmt: skip
            assert task["status"] == "TASK_FAILED" and task["failure_code"] == 5005, task
            assert_answer(alice.get(TASKS), 200, 200)
    finally:
        host.close()
    shown = full_disk.cli("credits", "show", "alice", "--json")
    assert '"refund"' in shown, shown
    assert not any(path.name.endswith(".mp4") for path in (full_disk.data_dir / "videos").iterdir())


def test_the_server_is_still_healthy(full_disk: KeyedServer) -> None:
    assert httpx.get(full_disk.base_url + "/healthz", timeout=5).status_code == 200
