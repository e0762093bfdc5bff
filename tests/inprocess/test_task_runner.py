"""The worker's half of a task, in-process: `TaskRunner` claims a task from a real SQLite store,
renders it with the real motion engine (one-second clips) and publishes it to local storage, and
every way a task ends is checked by its exact state, code and message.

The image moderation rule uses the operator's threshold: at 0.0 the classifier refuses any
picture, which is the path a refused photo takes (no test image may be explicit)."""

from __future__ import annotations

import asyncio
import base64
import errno
import logging
import os
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import av
import pytest
from prometheus_client import REGISTRY

from stillmotion.engines.registry import EngineRegistry
from stillmotion.errors import StoreUnavailable
from stillmotion.pipeline import run as run_module
from stillmotion.pipeline.context import TaskContext
from stillmotion.pipeline.produce import _dropped_regions
from stillmotion.pipeline.run import RunnerStopping, TaskRunner, spec_of
from stillmotion.storage.local import LocalStorage
from stillmotion.tasks.repository import Admission
from stillmotion.tasks.store import TaskStore
from tests.inprocess.conftest import make_settings, new_task, open_account
from tests.support.images import encode, landscape

MODEL = "bach-1.0-preview"
IMAGE_URL = "data:image/jpeg;base64," + base64.b64encode(encode(landscape(640, 360))).decode()
FPS = 4
"""Frames per second of the tasks here: a 720p frame costs ~40 ms of CPU, and each mutant of
`produce_video` or `TaskRunner._run` runs these tests again; four frames a second still make
several frames per task, and a rate no default has (24 or 30), so a lost fps shows."""
REFUSED = "The image was refused by content moderation (category: sexual content)."


pytestmark = pytest.mark.timeout(60)
"""A runner that miscounts its running tasks makes `drain` wait forever without using CPU, which
mutmut's CPU-time limit never catches: each test here fails after a minute instead (one takes seconds)."""


@dataclass
class Worker:
    store: TaskStore
    storage: LocalStorage
    runner: TaskRunner
    account: int

    async def submit(self, **fields: Any) -> str:
        fields = {"model_name": MODEL, "image_url": IMAGE_URL, "duration": 1, "fps": FPS, "enhance_prompt": False,
                  **fields}  # fmt: skip
        created = await self.store.tasks.create(new_task(self.account, **fields), Admission(cost=1))
        return created.task.id

    async def finish(self, **fields: Any) -> Any:
        task_id = await self.submit(**fields)
        await self.runner.run(task_id)
        return await self.store.tasks.get(task_id)


@pytest.fixture
async def worker_factory(tmp_path: Path, migrated_template: Path) -> AsyncIterator[Callable[..., Any]]:
    """Workers with their own settings, each on its own fresh store."""
    opened: list[TaskStore] = []

    async def make(**overrides: Any) -> Worker:
        data_dir = tmp_path / f"worker{len(opened)}"
        data_dir.mkdir()
        settings = make_settings(data_dir, migrated_template, **overrides)
        storage = LocalStorage(settings)
        store = TaskStore.open(settings, storage)
        opened.append(store)
        runner = TaskRunner(settings, store.tasks, storage, EngineRegistry(settings))
        return Worker(store, storage, runner, await open_account(store, credits=10))

    yield make
    for store in opened:
        await store.close()


@pytest.fixture
async def worker(worker_factory: Callable[..., Any]) -> Worker:
    return await worker_factory()


def test_spec_of_takes_every_request_field() -> None:
    task = new_task(1, prompt=None, negative_prompt=None, audio_prompt=None, duration=3, fps=30, seed=11,
                    resolution="1080p", cfg_scale=2.5, enhance_prompt=True, enable_moderation=False,
                    generate_audio=True)  # fmt: skip
    spec = spec_of(task)
    assert (spec.prompt, spec.negative_prompt, spec.audio_prompt) == ("", "", "")
    assert (spec.resolution, spec.duration, spec.fps, spec.seed, spec.cfg_scale) == ("1080p", 3, 30, 11, 2.5)
    assert (spec.enhance_prompt, spec.enable_moderation, spec.generate_audio) == (True, False, True)
    assert spec.num_frames == 90
    worded = spec_of(new_task(1, prompt="p", negative_prompt="n", audio_prompt="a"))
    assert (worded.prompt, worded.negative_prompt, worded.audio_prompt) == ("p", "n", "a")


async def test_a_task_renders_publishes_and_succeeds(worker: Worker) -> None:
    task = await worker.finish(prompt="clouds drift", negative_prompt="blurry")
    assert (task.status, task.failure_code, task.progress, task.credit_state) == ("TASK_SUCCEEDED", None, 100.0, "charged")
    assert (task.video_key, task.engine, task.attempts) == (f"{task.id}.mp4", "motion", 1)
    assert task.plan["size"] == "1280x720" and task.enhanced_prompt is None
    assert task.notes and task.notes == task.plan["notes"]  # still clouds: too faint to render, and said so
    video = worker.storage.videos_dir / task.video_key
    with av.open(str(video)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height, stream.average_rate) == (1280, 720, FPS)
        assert sum(1 for _ in container.decode(stream)) == FPS
    assert list(worker.storage.scratch.root.iterdir()) == []  # the scratch file was moved, not copied


async def test_an_enhanced_prompt_is_kept_with_its_source(worker: Worker) -> None:
    task = await worker.finish(prompt="clouds drift over the waves", enhance_prompt=True)
    # The user's clouds are too faint to render here (a note says so), so the stored enhanced prompt
    # drops them rather than claim them; it is the enhancer's text for the user's prompt, not for none.
    assert task.status == "TASK_SUCCEEDED" and task.enhanced_prompt
    assert "cloud" not in task.enhanced_prompt and not task.enhanced_prompt.startswith("A landscape")
    assert set(task.plan["prompt_enhancement"]) == {"source", "note"}
    # The notes quote what the user wrote, not the enhancer's longer text (which has no waves): the
    # same as without it.
    plain = await worker.finish(prompt="clouds drift over the waves")
    assert task.notes == plain.notes and [note.split(":")[0] for note in task.notes] == ["'waves'", "'clouds'"]


async def test_a_task_that_already_ended_is_not_run_again(worker: Worker) -> None:
    task_id = await worker.submit()
    await worker.store.tasks.cancel(task_id, worker.account)
    await worker.runner.run(task_id)
    task = await worker.store.tasks.get(task_id)
    assert (task.status, task.failure_code, task.attempts, task.video_key) == ("TASK_FAILED", 5003, 0, None)


async def test_an_image_that_is_not_an_image_fails_with_1001(worker: Worker) -> None:
    task = await worker.finish(image_url="data:image/png;base64," + base64.b64encode(b"not a picture").decode())
    assert (task.status, task.failure_code, task.credit_state) == ("TASK_FAILED", 1001, "refunded")
    assert list(worker.storage.scratch.root.iterdir()) == [] and list(worker.storage.videos_dir.iterdir()) == []


async def test_image_moderation_refuses_unless_the_task_opts_out(worker_factory: Callable[..., Any]) -> None:
    worker = await worker_factory(moderation_image_threshold=0.0)
    refused = await worker.finish()
    assert (refused.status, refused.failure_code, refused.message) == ("TASK_FAILED", 1002, REFUSED)
    skipped = await worker.finish(enable_moderation=False)
    assert skipped.status == "TASK_SUCCEEDED"


async def test_required_moderation_overrides_the_task(worker_factory: Callable[..., Any]) -> None:
    worker = await worker_factory(moderation_image_threshold=0.0, moderation_required=True)
    task = await worker.finish(enable_moderation=False)
    assert (task.status, task.failure_code, task.message) == ("TASK_FAILED", 1002, REFUSED)


async def test_strict_motion_fails_with_the_notes(worker_factory: Callable[..., Any]) -> None:
    worker = await worker_factory(motion_strict=True)
    task = await worker.finish(prompt="the camera pulls back over the waves")
    assert (task.status, task.failure_code) == ("TASK_FAILED", 5006)
    assert len(task.notes) == 2 and task.message == " ".join(task.notes)  # each thing not rendered, in turn
    lenient = await worker_factory()
    kept = await lenient.finish(prompt="the camera pulls back over the waves")
    assert kept.status == "TASK_SUCCEEDED" and kept.notes == task.notes


async def test_the_task_timeout_fails_the_task_with_5004(worker_factory: Callable[..., Any]) -> None:
    worker = await worker_factory(task_timeout_seconds=0.001)
    task = await worker.finish()
    assert (task.status, task.failure_code, task.message) == ("TASK_FAILED", 5004, "Task timed out.")
    assert list(worker.storage.videos_dir.iterdir()) == []


async def test_a_cancel_from_elsewhere_stops_the_render(worker: Worker, monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:  # fmt: skip
    monkeypatch.setattr(run_module, "HEARTBEAT_SECONDS", 0.01)
    task_id = await worker.submit(duration=4, prompt="clouds drift")
    run = asyncio.create_task(worker.runner.run(task_id))
    # The heartbeat stores the plan's notes while the render runs (a poll shows them before the end).
    for _ in range(3000):
        running = await worker.store.tasks.get(task_id)
        if running is not None and running.notes:
            break
        await asyncio.sleep(0.01)
    assert running is not None and running.status == "TASK_PROCESSING" and running.notes
    with caplog.at_level(logging.INFO, logger="stillmotion.worker"):
        await worker.store.tasks.cancel(task_id, worker.account)  # as the API (another process) does
        await run
    task = await worker.store.tasks.get(task_id)
    assert (task.status, task.failure_code, task.cancelled, task.video_key) == ("TASK_FAILED", 5003, True, None)
    assert list(worker.storage.videos_dir.iterdir()) == [] and list(worker.storage.scratch.root.iterdir()) == []
    # Stopped mid-render by the heartbeat, not after rendering every frame and publishing.
    assert [r.getMessage() for r in caplog.records if r.name == "stillmotion.worker"] == [
        f"task {task_id}: cancelled or lease lost; stopping this attempt", f"task {task_id}: stopped"]


async def test_interrupt_stops_a_running_task_here(worker: Worker) -> None:
    task_id = await worker.submit(duration=4)
    run = asyncio.create_task(worker.runner.run(task_id))
    while task_id not in worker.runner._running:
        await asyncio.sleep(0.01)
    worker.runner.interrupt("some-other-task")  # unknown here: nothing happens
    worker.runner.interrupt(task_id)
    await run
    task = await worker.store.tasks.get(task_id)
    # Stopped here without a record of why (the canceller records it): still this worker's.
    assert (task.status, task.worker_id, task.video_key) == ("TASK_PROCESSING", worker.runner.worker_id, None)


async def test_drain_hands_running_work_back_without_using_the_attempt(worker: Worker) -> None:
    task_id = await worker.submit(duration=4)
    run = asyncio.create_task(worker.runner.run(task_id))
    while task_id not in worker.runner._running:
        await asyncio.sleep(0.01)
    handed = await worker.runner.drain(grace_seconds=0.0)
    await run
    assert handed == [(task_id, MODEL)]
    task = await worker.store.tasks.get(task_id)
    assert (task.status, task.attempts, task.worker_id, task.failure_code) == ("TASK_PENDING", 0, None, None)
    with pytest.raises(RunnerStopping):
        await worker.runner.run(task_id)


async def test_drain_lets_work_finish_within_the_grace(worker: Worker) -> None:
    task_id = await worker.submit()
    run = asyncio.create_task(worker.runner.run(task_id))
    while task_id not in worker.runner._running:
        await asyncio.sleep(0.01)
    assert await worker.runner.drain(grace_seconds=120) == []
    await run
    assert (await worker.store.tasks.get(task_id)).status == "TASK_SUCCEEDED"  # type: ignore[union-attr]


async def test_drain_waits_for_every_task_running_at_once(worker: Worker) -> None:
    """Two tasks on one runner (a worker's concurrency): the shorter one ending does not make the
    runner look idle while the longer one renders."""
    short, long = await worker.submit(duration=1), await worker.submit(duration=8)
    runs = [asyncio.create_task(worker.runner.run(task_id)) for task_id in (short, long)]
    while len(worker.runner._running) < 2:
        await asyncio.sleep(0.01)
    assert await worker.runner.drain(grace_seconds=120) == []
    await asyncio.gather(*runs)
    for task_id in (short, long):
        assert (await worker.store.tasks.get(task_id)).status == "TASK_SUCCEEDED"  # type: ignore[union-attr]


async def test_a_claim_that_lands_after_the_grace_ran_out_is_handed_back(
        worker: Worker, monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    """A claim still in flight when `drain` stops waiting: the task it wins is given back to the
    queue at once (pending, attempt not counted), not rendered by a stopping worker."""
    task_id = await worker.submit()
    claiming, answer = asyncio.Event(), asyncio.Event()
    real_claim = worker.store.tasks.claim

    async def slow_claim(*args: Any) -> Any:
        claiming.set()
        await answer.wait()
        return await real_claim(*args)

    monkeypatch.setattr(worker.store.tasks, "claim", slow_claim)
    run = asyncio.create_task(worker.runner.run(task_id))
    await claiming.wait()
    drain = asyncio.create_task(worker.runner.drain(grace_seconds=0.0))
    while worker.runner.accepting:
        await asyncio.sleep(0.01)
    answer.set()
    assert await drain == [(task_id, MODEL)]
    await run
    task = await worker.store.tasks.get(task_id)
    assert (task.status, task.attempts, task.worker_id) == ("TASK_PENDING", 0, None)


async def test_an_unreachable_store_is_waited_out_then_left_to_the_lease(
    worker: Worker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(run_module, "STORE_RETRY_SECONDS", 0.01)
    real_succeed = worker.store.tasks.succeed
    outages = {"succeed": 2}

    async def flaky_succeed(*args: Any, **kwargs: Any) -> Any:
        if outages["succeed"]:
            outages["succeed"] -= 1
            raise StoreUnavailable()
        return await real_succeed(*args, **kwargs)

    async def down_renew(*args: Any, **kwargs: Any) -> bool:
        raise StoreUnavailable()

    monkeypatch.setattr(worker.store.tasks, "succeed", flaky_succeed)
    monkeypatch.setattr(worker.store.tasks, "renew", down_renew)
    task = await worker.finish()  # heartbeats fail (rendering goes on), the finishing write is retried
    assert task.status == "TASK_SUCCEEDED" and outages["succeed"] == 0

    async def down_succeed(*args: Any, **kwargs: Any) -> Any:
        raise StoreUnavailable()

    monkeypatch.setattr(worker.store.tasks, "succeed", down_succeed)
    worker.runner.settings = worker.runner.settings.model_copy(update={"lease_seconds": 0.05})
    with caplog.at_level(logging.WARNING, logger="stillmotion.worker"):
        left = await worker.finish()
    assert (left.status, left.worker_id) == ("TASK_PROCESSING", worker.runner.worker_id)  # the sweeper's again
    assert f"task {left.id}: the task store stayed unreachable; leaving the task to its lease" in [
        r.getMessage() for r in caplog.records]
    assert list(worker.storage.scratch.root.iterdir()) == []


@pytest.mark.parametrize("elsewhere", ["cancelled", "succeeded"])
async def test_a_task_that_ended_elsewhere_while_publishing(
    worker: Worker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, elsewhere: str
) -> None:
    """The finishing write finds the task no longer this worker's: cancelled after the last frame,
    the published video is nobody's and goes; succeeded (a worker that reclaimed it published the
    same key), the video stays."""
    real_succeed = worker.store.tasks.succeed

    async def lost(task_id: str, worker_id: str, key: str, **fields: Any) -> Any:
        if elsewhere == "cancelled":
            await worker.store.tasks.cancel(task_id, worker.account)
        else:
            await real_succeed(task_id, worker_id, key, **fields)
        return None  # this worker's write did not land

    monkeypatch.setattr(worker.store.tasks, "succeed", lost)
    with caplog.at_level(logging.INFO, logger="stillmotion.worker"):
        task = await worker.finish()
    assert f"task {task.id}: ended elsewhere while publishing" in [r.getMessage() for r in caplog.records]
    videos = [path.name for path in worker.storage.videos_dir.iterdir()]
    if elsewhere == "cancelled":
        assert (task.status, task.failure_code, videos) == ("TASK_FAILED", 5003, [])
    else:
        assert (task.status, videos) == ("TASK_SUCCEEDED", [f"{task.id}.mp4"])


async def test_an_attempt_renders_into_a_scratch_file_named_for_it(
    worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The housekeeping sweep tells a dead worker's render file from a live one by its name."""
    seen: list[str] = []
    real_publish = worker.storage.publish_video

    def publish(task_id: str, scratch: Path) -> str:
        seen.append(scratch.name)
        return real_publish(task_id, scratch)

    monkeypatch.setattr(worker.storage, "publish_video", publish)
    task = await worker.finish()
    assert len(seen) == 1 and seen[0].startswith(f"{task.id}.{worker.runner.worker_id}.")


async def test_an_uploaded_image_is_read_from_storage(worker: Worker) -> None:
    url = worker.storage.save_upload(encode(landscape(640, 360)), "jpg")  # what the create route stores
    task = await worker.finish(image_url=url)
    assert (task.status, task.failure_code) == ("TASK_SUCCEEDED", None)


async def test_the_render_runs_on_the_runners_own_nicer_threads(
    worker_factory: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Renders run on the runner's pool (named "render", at most its thread count, each reniced by
    `render_niceness` so the API's event loop keeps the CPU), not on asyncio's default executor."""
    worker = await worker_factory(render_niceness=3)
    real_render = run_module.render_video
    where: list[tuple[str, int]] = []

    def observed(*args: Any) -> Any:
        where.append((threading.current_thread().name, os.getpriority(os.PRIO_PROCESS, threading.get_native_id())))
        return real_render(*args)

    monkeypatch.setattr(run_module, "render_video", observed)
    task = await worker.finish()
    assert task.status == "TASK_SUCCEEDED" and worker.runner._running == {}
    [(name, priority)] = where
    assert name.startswith("render_")
    assert priority == min(os.getpriority(os.PRIO_PROCESS, 0) + 3, 19)
    assert worker.runner._render_threads._max_workers == run_module._MAX_RENDER_THREADS


async def test_an_engines_preview_is_kept_while_it_renders_and_removed_at_the_end(
    worker: Worker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The diffusion engine shows its latest denoised frame (`ctx.preview`); the runner stores it at
    each heartbeat for the API's preview route and removes it once the task ends."""
    monkeypatch.setattr(run_module, "HEARTBEAT_SECONDS", 0.01)
    real_render = run_module.render_video
    jpeg = encode(landscape(160, 90))

    def previewing(image: bytes, task: Any, engine: Any, audio: Any, scratch: Path, ctx: TaskContext,
                   settings: Any) -> Any:  # fmt: skip
        ctx.preview = jpeg
        return real_render(image, task, engine, audio, scratch, ctx, settings)

    monkeypatch.setattr(run_module, "render_video", previewing)
    task_id = await worker.submit(duration=2)
    run = asyncio.create_task(worker.runner.run(task_id))
    seen = None
    while not run.done() and seen is None:
        seen = worker.storage.read_preview(task_id)
        await asyncio.sleep(0.005)
    await run
    assert seen == jpeg, "stored while it rendered"
    assert worker.storage.read_preview(task_id) is None, "removed when it ended"
    assert (await worker.store.tasks.get(task_id)).status == "TASK_SUCCEEDED"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("raised", "code", "message"),
    [
        (RuntimeError("a bug in the engine"), 5002, "Video generation failed because of an internal engine error."),
        (OSError(errno.ENOSPC, "full"), 5005,
         "Storage failed: the video could not be written (no space left on device)."),
    ],
)
async def test_an_unexpected_error_fails_the_task_with_its_code(
    worker: Worker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
    raised: Exception, code: int, message: str,
) -> None:  # fmt: skip
    """Anything the render raises ends the task: an engine's bug as 5002 (logged with its traceback),
    a write the disk refused as 5005 (not an engine error: nothing to log)."""

    def broken(*args: Any) -> None:
        raise raised

    monkeypatch.setattr(run_module, "render_video", broken)
    with caplog.at_level(logging.ERROR, logger="stillmotion.worker"):
        task = await worker.finish()
    assert (task.status, task.failure_code, task.message) == ("TASK_FAILED", code, message)
    logged = [(r.getMessage(), r.exc_info is not None) for r in caplog.records if r.name == "stillmotion.worker"]
    assert logged == ([(f"task {task.id}: engine error", True)] if code == 5002 else [])


def _count(outcome: str) -> float:
    return REGISTRY.get_sample_value("stillmotion_tasks_finished_total", {"outcome": outcome}) or 0.0


async def test_each_ending_is_logged_and_counted(worker: Worker, caplog: pytest.LogCaptureFixture) -> None:
    failed_before, succeeded_before = _count("1001"), _count("succeeded")
    with caplog.at_level(logging.INFO, logger="stillmotion.tasks"):
        bad = await worker.finish(image_url="data:image/png;base64," + base64.b64encode(b"not a picture").decode())
        good = await worker.finish()
    events = [(record.event, record.task_id) for record in caplog.records if hasattr(record, "event")]  # type: ignore[attr-defined]
    assert events == [("started", bad.id), ("failed", bad.id), ("started", good.id), ("succeeded", good.id)]
    started = next(record for record in caplog.records if getattr(record, "event", None) == "started")
    assert (started.attempt, started.worker, started.model) == (1, worker.runner.worker_id, MODEL)  # type: ignore[attr-defined]
    failure = next(record for record in caplog.records if getattr(record, "event", None) == "failed")
    assert (failure.code, failure.reason) == (1001, bad.message)  # type: ignore[attr-defined]
    success = next(record for record in caplog.records if getattr(record, "event", None) == "succeeded")
    expected = round((good.completed_at - good.created_at).total_seconds(), 2)
    assert success.total_seconds == expected and 0 < expected < 120  # type: ignore[attr-defined]
    # The render's own seconds: rounded to hundredths, within the task's whole time.
    seconds = success.seconds  # type: ignore[attr-defined]
    assert 0 < seconds <= expected + 0.01 and round(seconds, 2) == seconds
    assert (success.size, success.frames) == ("1280x720", FPS)  # type: ignore[attr-defined]
    assert (_count("1001") - failed_before, _count("succeeded") - succeeded_before) == (1.0, 1.0)


async def test_failure_after_planning_keeps_the_notes(worker_factory: Callable[..., Any],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    worker = await worker_factory(motion_strict=True)

    async def unreachable(*args: Any, **kwargs: Any) -> bool:
        raise StoreUnavailable()

    # No heartbeat gets through to store the notes first: the failing write must carry them.
    monkeypatch.setattr(worker.store.tasks, "renew", unreachable)
    task = await worker.finish(prompt="clouds drift")
    assert (task.failure_code, task.worker_id) == (5006, worker.runner.worker_id)
    assert task.notes and task.message == " ".join(task.notes)


async def test_hand_back_and_outage_lines(worker: Worker, caplog: pytest.LogCaptureFixture,
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    task_id = await worker.submit(duration=4)
    run = asyncio.create_task(worker.runner.run(task_id))
    while task_id not in worker.runner._running:
        await asyncio.sleep(0.01)
    with caplog.at_level(logging.INFO, logger="stillmotion.worker"):
        await worker.runner.drain(grace_seconds=0.0)
        await run
    lines = [record.getMessage() for record in caplog.records if record.name == "stillmotion.worker"]
    assert f"task {task_id}: handed back to the queue (attempt not counted)" in lines
    assert "handed back 1 running task(s) on stopping" in lines
    assert worker.runner.accepting is False

    caplog.clear()
    monkeypatch.setattr(run_module, "HEARTBEAT_SECONDS", 0.01)

    async def down(*args: Any, **kwargs: Any) -> bool:
        raise StoreUnavailable()

    other = await worker_with_fresh_runner(worker)
    monkeypatch.setattr(other.store.tasks, "renew", down)
    with caplog.at_level(logging.WARNING, logger="stillmotion.worker"):
        task = await other.finish()
    assert task.status == "TASK_SUCCEEDED"
    assert f"task {task.id}: task store unreachable; rendering on" in [r.getMessage() for r in caplog.records]


async def worker_with_fresh_runner(worker: Worker) -> Worker:
    """The same store and storage with a new runner (the old one was drained)."""
    runner = TaskRunner(worker.runner.settings, worker.store.tasks, worker.storage, worker.runner.engines)
    return Worker(worker.store, worker.storage, runner, worker.account)


def test_progress_maps_each_stage_onto_its_span() -> None:
    fresh = TaskContext()
    assert (fresh.progress, fresh.notes, fresh.preview) == (0.0, None, None)  # nothing planned yet
    fresh.report(0.5)
    assert fresh.progress == 50.0  # before any stage: the whole 0..100
    ctx = TaskContext()
    ctx.stage(10.0, 30.0)
    assert ctx.progress == 10.0
    ctx.report(0.25)
    assert ctx.progress == 15.0
    ctx.report(-1.0)
    assert ctx.progress == 15.0  # never backwards
    ctx.report(7.0)
    assert ctx.progress == 30.0  # clamped to the stage
    ctx.stage(5.0, 50.0)
    assert ctx.progress == 30.0
    ctx.report(0.5)
    assert ctx.progress == 30.0 and not ctx.stopping
    ctx.report(1.0)
    assert ctx.progress == 50.0


def test_only_regions_the_plan_leaves_out_are_dropped_from_the_enhanced_prompt() -> None:
    prompt = "clouds drift and water ripples and leaves sway"
    assert _dropped_regions(prompt, {"regions": [{"kind": "water"}, {"kind": "foliage"}]}) == {"sky"}
    assert _dropped_regions(prompt, {}) == {"sky", "water", "foliage"}
    assert _dropped_regions("a quiet street", {"regions": [{"kind": "water"}]}) == frozenset()
