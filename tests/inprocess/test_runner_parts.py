"""Small parts of the worker, in-process: the render threads' lower OS priority, keeping and
removing the engine's preview image (best effort: a storage failure never costs the task), and
writing a failure only while this worker holds the task."""

from __future__ import annotations

import logging
import os
import shutil
import sys
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from stillmotion.config import Settings
from stillmotion.errors import EngineFailure
from stillmotion.pipeline.run import TaskRunner, _import_render_chain, _lower_priority
from stillmotion.storage.s3 import S3Storage
from tests.inprocess.test_task_runner import worker_factory  # noqa: F401 (the fixture)
from tests.support.s3 import REGION, TEST_CREDENTIALS, MotoServer

TASK = "0b5c7f8e-1d2a-4c3b-9e8f-7a6b5c4d3e2f"


def priority_after(niceness: int) -> tuple[int, int]:
    """(the process's niceness, a new thread's after `_lower_priority(niceness)`)."""
    seen: list[int] = []

    def lowered() -> None:
        _lower_priority(niceness)
        seen.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))

    thread = threading.Thread(target=lowered)
    thread.start()
    thread.join()
    return os.getpriority(os.PRIO_PROCESS, 0), seen[0]


@pytest.mark.parametrize("niceness", [0, 3])
def test_a_render_thread_runs_that_much_nicer_than_the_process(niceness: int) -> None:
    process, thread = priority_after(niceness)
    assert thread == min(process + niceness, 19)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == process, "the caller's thread kept its own"


def test_threads_that_cannot_be_reniced_say_so_and_render_on(monkeypatch: pytest.MonkeyPatch,
                                                            caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    """As root a thread may always be reniced, so the refusal (an unprivileged container) is made
    here: a warning, and no exception out of the render pool's initializer."""
    def refused(*args: object) -> None:
        raise PermissionError("not permitted")

    monkeypatch.setattr(os, "setpriority", refused)
    with caplog.at_level(logging.WARNING, logger="stillmotion.worker"):
        _lower_priority(3)
    assert [r.getMessage() for r in caplog.records] == [
        "cannot lower the render threads' priority; renders run at the process's"]


async def test_a_preview_is_stored_once_and_a_refused_one_costs_nothing(
    worker_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture
) -> None:
    worker = await worker_factory()
    runner, storage = worker.runner, worker.storage
    assert await runner._keep_preview(TASK, None, None) is None
    first = b"\xff\xd8first"
    assert await runner._keep_preview(TASK, first, None) is first
    assert storage.read_preview(TASK) == first
    storage.delete_preview(TASK)
    assert await runner._keep_preview(TASK, first, first) is first, "the same image again"
    assert storage.read_preview(TASK) is None, "was written again"
    shutil.rmtree(storage.previews_dir)
    storage.previews_dir.write_bytes(b"not a folder")
    with caplog.at_level(logging.WARNING, logger="stillmotion.worker"):
        assert await runner._keep_preview(TASK, b"\xff\xd8second", first) is first
    assert [r.getMessage() for r in caplog.records] == [
        f"task {TASK}: preview not kept: Storage failed: the preview could not be stored (not a directory)."
    ]


async def test_a_task_that_ended_has_its_preview_removed(worker_factory: Callable[..., Any]) -> None:
    worker = await worker_factory()
    worker.storage.save_preview(TASK, b"\xff\xd8kept")
    other = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
    worker.storage.save_preview(other, b"\xff\xd8other")
    await worker.runner._drop_preview(TASK)
    assert worker.storage.read_preview(TASK) is None
    assert worker.storage.read_preview(other) == b"\xff\xd8other", "only that task's"


async def test_a_failure_is_written_only_while_this_worker_holds_the_task(worker_factory: Callable[..., Any]) -> None:
    worker = await worker_factory()
    tasks, runner = worker.store.tasks, worker.runner
    # Another worker took the task over (this attempt's lease expired): this attempt's failure
    # must not end the other's.
    taken = await worker.submit()
    assert await tasks.claim(taken, "worker-other", timedelta(seconds=60)) is not None
    await runner._fail(taken, EngineFailure("this attempt failed"))
    task = await tasks.get(taken)
    assert (task.status, task.worker_id, task.failure_code) == ("TASK_PROCESSING", "worker-other", None)

    held = await worker.submit()
    assert await tasks.claim(held, runner.worker_id, timedelta(seconds=60)) is not None
    await runner._fail(held, EngineFailure("this attempt failed"), ["a note"])
    task = await tasks.get(held)
    assert (task.status, task.failure_code, task.message) == ("TASK_FAILED", 5002, "this attempt failed")
    assert task.notes == ["a note"]


async def test_a_preview_storage_cannot_remove_is_logged_and_left(
    worker_factory: Callable[..., Any], caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A bucket that refuses (here: it does not exist) costs the ended task nothing but a line."""
    for name, value in {**TEST_CREDENTIALS, "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(name, value)
    worker = await worker_factory()
    server = MotoServer()
    try:
        bucket = S3Storage(Settings(data_dir=tmp_path, s3_bucket="no-such-bucket", s3_endpoint_url=server.endpoint))
        runner = TaskRunner(worker.runner.settings, worker.store.tasks, bucket, worker.runner.engines)
        with caplog.at_level(logging.WARNING, logger="stillmotion.worker"):
            await runner._drop_preview(TASK)
    finally:
        server.close()
    assert [r.getMessage() for r in caplog.records] == [
        f"task {TASK}: preview not removed: Storage failed: the preview could not be deleted in the bucket (NoSuchBucket)."
    ]


def test_a_render_chain_that_cannot_be_imported_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A broken install: the first task logs why (and then fails itself), the worker goes on."""
    monkeypatch.setitem(sys.modules, "stillmotion.pipeline.produce", None)  # import raises ImportError
    with caplog.at_level(logging.ERROR, logger="stillmotion.worker"):
        _import_render_chain()
    [record] = caplog.records
    assert record.getMessage() == "the render pipeline cannot be imported" and record.exc_info is not None
