"""LocalStorage on its own: publishing from scratch, serving, uploads, scratch upkeep (refused writes:
test_storage_failures.py, on real read-only and full file systems)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from starlette.responses import FileResponse

from stillmotion.config import Settings
from stillmotion.errors import TaskNotFound
from stillmotion.storage.local import LocalStorage


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(Settings(data_dir=tmp_path, task_timeout_seconds=60))


def test_scratch_is_outside_the_published_videos(storage: LocalStorage, tmp_path: Path) -> None:
    scratch = storage.scratch_path("task-1")
    assert scratch.parent == tmp_path / "scratch"
    scratch.write_bytes(b"frames")
    assert storage.publish_video("task-1", scratch) == "task-1.mp4"
    assert not scratch.exists() and (tmp_path / "videos" / "task-1.mp4").read_bytes() == b"frames"
    response = storage.video_response("task-1.mp4")
    assert isinstance(response, FileResponse) and response.media_type == "video/mp4"
    storage.delete_video("task-1.mp4")
    with pytest.raises(TaskNotFound):
        storage.video_response("task-1.mp4")


def test_a_new_attempt_removes_its_own_and_abandoned_scratch_only(storage: LocalStorage) -> None:
    crashed = storage.scratch_path("task-2")
    crashed.write_bytes(b"half")
    abandoned = storage.scratch_path("task-3")
    abandoned.write_bytes(b"killed an hour ago")
    an_hour_ago = time.time() - 3600
    os.utime(abandoned, (an_hour_ago, an_hour_ago))
    live = storage.scratch_path("task-4")
    live.write_bytes(b"a sibling worker is writing this")
    again = storage.scratch_path("task-2")
    assert again != crashed and not crashed.exists()
    assert not abandoned.exists()
    assert live.exists()


def test_uploads_round_trip_and_unknown_keys_read_as_absent(storage: LocalStorage) -> None:
    url = storage.save_upload(b"\x89PNG...", "png")
    key = url.rsplit("/", 1)[1]
    assert storage.read_upload(key) == b"\x89PNG..."
    assert storage.read_upload("nothing.png") is None
    assert storage.read_upload("../stillmotion.db") is None
    with pytest.raises(TaskNotFound):
        storage.upload_response("nothing.png")

