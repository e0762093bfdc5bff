"""One task, start to end, in the worker: the asynchronous half around `produce_video`.

    claim (lease) -> fetch image -> produce video (worker thread) -> publish -> SUCCEEDED
    any stage fails -> FAILED with failure_code

While the thread renders, a heartbeat renews the lease and stores progress (and the engine's
latest preview image, when it makes one, in storage until the task ends); if
the renewal no longer matches (the task was cancelled, possibly from another
process, or another worker reclaimed it) the render stops at its next frame.
Finishing (succeed/fail) settles credits and queues the webhook in the repository.

A worker that is asked to stop (SIGTERM) calls `drain`: it takes no new task, lets the running
ones finish within a grace period, and hands the rest back to the queue without using up their
attempt, so routine restarts never fail a task.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from stillmotion.config import Settings
from stillmotion.engines.registry import EngineRegistry
from stillmotion.errors import EngineFailure, StillmotionError, StorageFailure, StoreUnavailable, TaskCancelled
from stillmotion.inputs import fetch_image
from stillmotion.memory import release_free_memory
from stillmotion.metrics import RENDER_SECONDS, TASKS_FINISHED
from stillmotion.pipeline.context import TaskContext
from stillmotion.storage.base import Storage, refused_write
from stillmotion.tasks.events import log_task_event
from stillmotion.tasks.db import STORE_RETRY_SECONDS
from stillmotion.tasks.models import Task, TaskStatus
from stillmotion.tasks.repository import TaskRepository

if TYPE_CHECKING:
    from stillmotion.audio.backend import AudioBackend
    from stillmotion.engines.base import Engine
    from stillmotion.pipeline.produce import Produced, VideoSpec

log = logging.getLogger("stillmotion.worker")

HEARTBEAT_SECONDS = 0.5  # how often progress reaches the API; also the cancel/lease check period
T = TypeVar("T")
_DRAIN_POLL_SECONDS = 0.1
_MAX_RENDER_THREADS = 64


class RunnerStopping(Exception):
    """`run` was called after `drain` began: the task is left for another worker (or the next start)."""


def spec_of(task: Task) -> VideoSpec:
    from stillmotion.pipeline.produce import VideoSpec

    return VideoSpec(
        resolution=task.resolution,
        duration=task.duration,
        fps=task.fps,
        seed=task.seed,
        prompt=task.prompt or "",
        negative_prompt=task.negative_prompt or "",
        cfg_scale=task.cfg_scale,
        enhance_prompt=task.enhance_prompt,
        enable_moderation=task.enable_moderation,
        generate_audio=task.generate_audio,
        audio_prompt=task.audio_prompt or "",
    )


def render_video(
    image_bytes: bytes, task: Task, engine: Engine, audio: AudioBackend | None, scratch: Path, ctx: TaskContext,
    settings: Settings,
) -> Produced:
    """`produce_video` in a render thread. The render pipeline (OpenCV, PyAV, SciPy, the scene
    analysis: ~100 MB and seconds of imports) is imported by the first task (`run`), so a server that has not rendered yet holds none of it and is ready sooner."""
    from stillmotion.pipeline.produce import produce_video

    return produce_video(image_bytes, spec_of(task), engine, audio, scratch, ctx, settings)


def _import_render_chain() -> None:
    """The render pipeline and the motion engine's code: imported by the first task, not at start.
    A broken install is logged here and then fails the task itself (its engine or its render
    cannot load: 5001 or 5002) instead of leaving it pending."""
    try:
        import stillmotion.pipeline.produce  # noqa: F401
    except Exception:
        log.exception("the render pipeline cannot be imported")


def _release_models() -> None:
    from stillmotion.engines.motion.prompt_paraphrase import release_model
    from stillmotion.moderation.image import release_classifier

    release_classifier()
    release_model()
    release_free_memory()
    log.info("idle: released the image-moderation and prompt-reading models and free memory")


def _lower_priority(niceness: int) -> None:
    """Lower this thread's OS priority (Linux: niceness is per thread, and the threads it starts
    inherit it). Best effort: where threads cannot be reniced the render runs at the process's."""
    if niceness and hasattr(os, "setpriority"):
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, 0) + niceness)
        except OSError:
            log.warning("cannot lower the render threads' priority; renders run at the process's")


class TaskRunner:
    def __init__(
        self, settings: Settings, tasks: TaskRepository, storage: Storage, engines: EngineRegistry
    ) -> None:
        self.settings = settings
        self.tasks = tasks
        self.storage = storage
        self.engines = engines
        self.worker_id = f"worker-{uuid.uuid4().hex[:12]}"
        self._lease = timedelta(seconds=settings.lease_seconds)
        self._running: dict[str, TaskContext] = {}
        self._active = 0  # calls of run() in progress, claimed or not yet
        self._idle_release: asyncio.Task[None] | None = None
        self.accepting = True
        self._handing_back = False
        self._handed_back: list[tuple[str, str]] = []
        # Renders run on threads of their own at a lower OS priority, so that in embedded mode the
        # event loop (every API answer) wins the CPU from the render and its OpenCV/x264 threads.
        # One thread per render running at once (`workers`, or a Celery worker's concurrency): the
        # pool starts a thread only when none is idle, so the cap is only a bound.
        self._render_threads = ThreadPoolExecutor(
            max_workers=_MAX_RENDER_THREADS, thread_name_prefix="render",
            initializer=_lower_priority, initargs=(settings.render_niceness,),
        )  # fmt: skip

    def interrupt(self, task_id: str) -> None:
        """Stop a task running here at its next frame (a shortcut; the heartbeat finds out too)."""
        ctx = self._running.get(task_id)
        if ctx is not None:
            ctx.cancel()

    async def drain(self, grace_seconds: float) -> list[tuple[str, str]]:
        """Take no new task; give the running ones `grace_seconds` to finish, then stop them and
        hand them back (pending again, the attempt not counted). Returns the (task id, model name)
        of those handed back, for the caller to queue again."""
        self.accepting = False
        deadline = time.monotonic() + grace_seconds
        while self._active and time.monotonic() < deadline:
            await asyncio.sleep(_DRAIN_POLL_SECONDS)
        self._handing_back = True
        for ctx in self._running.values():
            ctx.cancel()
        while self._active:
            await asyncio.sleep(_DRAIN_POLL_SECONDS)
        if self._idle_release is not None:
            self._idle_release.cancel()
        self._render_threads.shutdown(wait=False)  # every render has returned: only idle threads end
        if self._handed_back:
            log.warning("handed back %d running task(s) on stopping", len(self._handed_back))
        return self._handed_back

    async def run(self, task_id: str) -> None:
        """Claim and run one task to its end; RunnerStopping once `drain` has begun."""
        if not self.accepting:
            raise RunnerStopping()
        self._active += 1
        if self._idle_release is not None:
            self._idle_release.cancel()
        try:
            # Before the claim, so that the lease does not run while the first task imports the
            # render chain (seconds on a busy machine, during which the event loop is slow too).
            await asyncio.to_thread(_import_render_chain)
            await self._run(task_id)
        finally:
            self._active -= 1
            if self._active == 0:  # the last render's frames are free: give the memory back
                await asyncio.to_thread(release_free_memory)
                if self.settings.idle_release_seconds > 0 and self.accepting:  # not once draining
                    self._idle_release = asyncio.create_task(self._release_when_idle())

    async def _release_when_idle(self) -> None:
        """Once no render has run for `idle_release_seconds`, the image-moderation session goes too:
        warm between back-to-back tasks, given back when the worker is idle."""
        await asyncio.sleep(self.settings.idle_release_seconds)
        if self._active == 0:
            await asyncio.to_thread(_release_models)

    async def _run(self, task_id: str) -> None:
        task = await self.tasks.claim(task_id, self.worker_id, self._lease)
        if task is None:
            return  # finished, or another worker holds a live lease
        if self._handing_back:  # drain's grace ran out while this claim was in flight
            await self._hand_back(task)
            return
        log_task_event("started", task_id, attempt=task.attempts, worker=self.worker_id, model=task.model_name)
        started = time.monotonic()
        ctx = TaskContext(deadline=started + self.settings.task_timeout_seconds)
        scratch = self.storage.scratch.path(task_id, self.worker_id)
        self._running[task_id] = ctx
        preview: bytes | None = None  # the last preview kept in storage
        try:
            image_bytes = await fetch_image(task.image_url, self.settings, self.storage)
            # Off the event loop: the first use imports the engine's code or waits for weights still loading.
            engine = await asyncio.to_thread(self.engines.engine_for, task.model_name)
            # The audio backend (and scipy.signal behind it) is loaded only by a task that asks for sound.
            audio = await asyncio.to_thread(lambda: self.engines.audio) if task.generate_audio else None
            render = asyncio.get_running_loop().run_in_executor(
                self._render_threads, render_video, image_bytes, task, engine, audio, scratch, ctx, self.settings
            )
            while not render.done():
                await asyncio.wait({render}, timeout=HEARTBEAT_SECONDS)
                if not ctx.cancelled and not await self._heartbeat(task_id, ctx):
                    ctx.cancel()
                    log.info("task %s: cancelled or lease lost; stopping this attempt", task_id)
                preview = await self._keep_preview(task_id, ctx.preview, preview)
            produced = render.result()
            key = await asyncio.to_thread(self.storage.publish_video, task_id, scratch)
            finished = await self._patiently(lambda: self.tasks.succeed(
                task_id, self.worker_id, key, plan=produced.plan, engine=engine.name,
                enhanced_prompt=produced.enhanced_prompt, notes=produced.notes,
            ))  # fmt: skip
            if finished is None:
                # Cancelled after the last frame: the video is nobody's. (A worker that reclaimed
                # the task and succeeded published the same key: keep that one.)
                current = await self.tasks.get(task_id)
                if current is None or current.status != TaskStatus.SUCCEEDED.value:
                    await asyncio.to_thread(self.storage.delete_video, key)
                log.info("task %s: ended elsewhere while publishing", task_id)
                return
            seconds = time.monotonic() - started
            TASKS_FINISHED.labels(outcome="succeeded").inc()
            RENDER_SECONDS.observe(seconds)
            log_task_event("succeeded", task_id, seconds=round(seconds, 2),
                           total_seconds=_seconds_since(finished.created_at, finished.completed_at),
                           size=f"{produced.width}x{produced.height}", frames=produced.frames)
        except TaskCancelled:
            if self._handing_back:
                await self._hand_back(task)
            else:
                # A user cancel (recorded by whoever cancelled) or a lost lease: nothing to write here.
                log.info("task %s: stopped", task_id)
        except StoreUnavailable:
            # The outcome cannot be written: the task stays on its lease, and the reclaim sweep runs
            # it again once the lease expires and the store is back.
            log.warning("task %s: the task store stayed unreachable; leaving the task to its lease", task_id)
        except StillmotionError as exc:
            await self._fail(task_id, exc, ctx.notes)
        except Exception as exc:
            refused = refused_write(exc)
            if refused is None:
                log.exception("task %s: engine error", task_id)
            await self._fail(
                task_id, refused or EngineFailure("Video generation failed because of an internal engine error.")
            )
        finally:
            ctx.cancel()  # a render still running after an unexpected error stops at its next frame
            self._running.pop(task_id, None)
            scratch.unlink(missing_ok=True)
            if preview is not None:
                await self._drop_preview(task_id)

    async def _heartbeat(self, task_id: str, ctx: TaskContext) -> bool:
        """Renew the lease; False if it was lost or the task cancelled. While the store cannot be
        reached the render goes on: the next heartbeat that gets through says whether the task is
        still ours (a lease that expired meanwhile but was not taken over still is)."""
        try:
            return await self.tasks.renew(task_id, self.worker_id, self._lease, ctx.progress, ctx.notes)
        except StoreUnavailable:
            log.warning("task %s: task store unreachable; rendering on", task_id)
            return True

    async def _keep_preview(self, task_id: str, latest: bytes | None, kept: bytes | None) -> bytes | None:
        """Store the engine's latest preview if it changed; returns what storage now holds. Best
        effort: a preview storage refuses is not worth a task, so the render goes on without it."""
        if latest is None or latest is kept:
            return kept
        try:
            await asyncio.to_thread(self.storage.save_preview, task_id, latest)
        except StorageFailure as failure:
            log.warning("task %s: preview not kept: %s", task_id, failure.message)
            return kept
        return latest

    async def _drop_preview(self, task_id: str) -> None:
        """A task that ended has no preview (the API answers 404 for it either way)."""
        try:
            await asyncio.to_thread(self.storage.delete_preview, task_id)
        except StorageFailure as failure:
            log.warning("task %s: preview not removed: %s", task_id, failure.message)

    async def _patiently(self, write: Callable[[], Awaitable[T]]) -> T:
        """A finishing write, retried while the store is unreachable for up to one lease: after that
        the task is the sweeper's again. Every finishing write is guarded by the lease holder, so a
        retry that lands after a takeover changes nothing."""
        deadline = time.monotonic() + self.settings.lease_seconds
        while True:
            try:
                return await write()
            except StoreUnavailable:
                if time.monotonic() >= deadline:
                    raise
                await asyncio.sleep(STORE_RETRY_SECONDS)

    async def _hand_back(self, task: Task) -> None:
        if await self.tasks.release(task.id, self.worker_id):
            self._handed_back.append((task.id, task.model_name))
            log.info("task %s: handed back to the queue (attempt not counted)", task.id)

    async def _fail(self, task_id: str, error: StillmotionError, notes: list[str] | None = None) -> None:
        """`notes`: the plan's, when the task failed after the engine planned it (5006, or later)."""
        TASKS_FINISHED.labels(outcome=str(error.code)).inc()
        log_task_event("failed", task_id, code=error.code, reason=error.message)
        await self._patiently(lambda: self.tasks.fail(task_id, self.worker_id, error.code, error.message, notes))


def _seconds_since(start: datetime | None, end: datetime | None) -> float | None:
    return round((end - start).total_seconds(), 2) if start and end else None
