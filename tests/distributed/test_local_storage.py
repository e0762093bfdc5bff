"""LocalStorage on its own: publishing from scratch, serving, uploads, scratch upkeep (refused writes:
test_storage_failures.py, on real read-only and full file systems)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest
from starlette.responses import FileResponse

from stillmotion.config import Settings
from stillmotion.errors import TaskNotFound
from stillmotion.storage.local import LocalStorage
from stillmotion.tasks.housekeeping import Housekeeper
from stillmotion.tasks.migrate import upgrade_database
from stillmotion.tasks.models import utcnow
from stillmotion.tasks.repository import Admission
from stillmotion.tasks.store import TaskStore
from tests.support.tasks import new_task


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(Settings(data_dir=tmp_path, task_timeout_seconds=60))


def test_scratch_is_outside_the_published_videos(storage: LocalStorage, tmp_path: Path) -> None:
    scratch = storage.scratch.path("task-1", "worker-a")
    assert scratch.parent == tmp_path / "scratch"
    scratch.write_bytes(b"frames")
    assert storage.publish_video("task-1", scratch) == "task-1.mp4"
    assert not scratch.exists() and (tmp_path / "videos" / "task-1.mp4").read_bytes() == b"frames"
    response = storage.video_response("task-1.mp4")
    assert isinstance(response, FileResponse) and response.media_type == "video/mp4"
    storage.delete_video("task-1.mp4")
    with pytest.raises(TaskNotFound):
        storage.video_response("task-1.mp4")


async def test_housekeeping_removes_render_files_of_attempts_no_longer_running(tmp_path: Path) -> None:
    """A worker killed mid-render leaves its file; the next housekeeping pass on that machine (at
    worker start, then periodically) removes it, and never a file an attempt is still writing."""
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'tasks.db'}")
    await asyncio.to_thread(upgrade_database, settings)
    storage = LocalStorage(settings)
    store = TaskStore.open(settings, storage)
    try:
        issued = await store.accounts.issue_key("quinn", credits=10)
        credential = await store.accounts.by_api_key(issued.api_key)
        assert credential is not None
        killed, running, ended = [(await store.tasks.create(new_task(credential.account_id), Admission(cost=1))).task
                                  for _ in range(3)]  # fmt: skip
        await store.tasks.claim(killed.id, "worker-killed", timedelta(seconds=-1))  # its lease ran out
        await store.tasks.claim(running.id, "worker-alive", timedelta(minutes=5))
        await store.tasks.claim(ended.id, "worker-ended", timedelta(minutes=5))
        await store.tasks.fail(ended.id, "worker-ended", 5002, "failed")  # the task keeps its worker id
        left = storage.scratch.path(killed.id, "worker-killed")
        writing = storage.scratch.path(running.id, "worker-alive")
        earlier_attempt = storage.scratch.path(running.id, "worker-killed")  # the task now runs elsewhere
        after_the_end = storage.scratch.path(ended.id, "worker-ended")  # it died before removing its file
        for path in (left, writing, earlier_attempt, after_the_end):
            path.write_bytes(b"frames")
        assert await Housekeeper(store.tasks, storage).remove_abandoned_scratch() == 2
        assert (left.exists(), writing.exists(), earlier_attempt.exists(), after_the_end.exists()) == (
            True, True, False, False)
        await store.tasks.requeue(killed.id, utcnow(), utcnow())  # reclaimed: that attempt is over
        assert await Housekeeper(store.tasks, storage).remove_abandoned_scratch() == 1
        assert not left.exists() and writing.exists()
    finally:
        await store.close()


def test_uploads_round_trip_and_unknown_keys_read_as_absent(storage: LocalStorage) -> None:
    url = storage.save_upload(b"\x89PNG...", "png")
    key = url.rsplit("/", 1)[1]
    assert storage.read_upload(key) == b"\x89PNG..."
    assert storage.read_upload("nothing.png") is None
    assert storage.read_upload("../stillmotion.db") is None
    with pytest.raises(TaskNotFound):
        storage.upload_response("nothing.png")

