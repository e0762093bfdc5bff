"""One video's denoising split across several GPUs with diffusers' context parallelism (Ulysses).

A worker started with `--gpus N` runs N processes, one per GPU, joined in one
`torch.distributed` group: rank 0 (the leader) is the ordinary worker that claims tasks;
ranks 1..N-1 (followers) load the same models and wait. For each task the leader sends the
model name and generation settings to every follower, and all ranks run the pipeline together:
each holds the whole weights and a 1/N slice of the video's tokens, and the attention layers
exchange heads and tokens with all-to-alls (Ulysses), so a step costs about 1/N of the
compute plus the exchanges. Every rank ends with the whole output; only the leader uses it.

Cancellation must stop every rank at the same step, or the others would wait forever in the
next collective: after each step the ranks agree (an all-reduce of a stop flag) whether the
leader's task is cancelled or past its deadline, and all stop there.

A rank that dies or hangs must not leave the others waiting forever (NCCL waits on a dead peer
until its timeout, then tears the waiting process down). So:
- tasks reach the followers through the group's key-value store (hosted by the leader), not a
  collective: an idle follower waits for hours without a collective timing out, and notices at
  once when the leader's process (and so the store) is gone, and leaves;
- every follower beats a counter in the store each second from a thread of its own; the leader
  watches the counters, and a follower silent for `silent_after` seconds breaks the group;
- every collective has a timeout (`timeout`), the backstop for a rank alive but stuck;
- the first failure inside a split task (a collective that raised or timed out, a silent rank)
  breaks the group for good: the task fails with a message that says so (`GroupBroken`), every
  later task is refused at once, the NCCL communicators are aborted so no rank stays blocked, and
  `on_broken` is called (the worker stops, so its supervisor restarts all its ranks afresh).

Ring attention is not offered: diffusers' ring needs attention kernels that return the
log-sum-exp (flash, sage), which the default SDPA backend does not, while Ulysses works with
every backend.
"""

from __future__ import annotations

import logging
import os
import pickle
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import torch
import torch.distributed as dist

from stillmotion.engines.diffusion.speed import denoisers
from stillmotion.errors import EngineFailure, TaskCancelled

log = logging.getLogger(__name__)

CONTEXT_PARALLEL_FAMILIES = ("wan", "ltx", "ltx2")
"""Families whose diffusers transformer declares a context-parallel plan (`_cp_plan`)."""

COLLECTIVE_TIMEOUT_SECONDS = 300.0
"""Longest wait in one collective: ranks meet at every attention layer, so a healthy rank is
never that late (the first step's compilation included)."""
SILENT_AFTER_SECONDS = 10.0
"""A follower whose heartbeat has not moved for this long is taken for dead."""
HEARTBEAT_SECONDS = 1.0
_TASK_POLL = timedelta(seconds=1)


class GroupBroken(EngineFailure):
    """A rank of a worker that splits videos across GPUs died or hung: this task cannot finish
    there, and neither can any other until the worker restarts its ranks."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"Video generation failed: {reason}. The worker restarts its GPU processes; "
                         "submit the task again.")
        self.reason = reason


@dataclass(frozen=True)
class ParallelGroup:
    rank: int
    world: int

    @property
    def leader(self) -> bool:
        return self.rank == 0

    @property
    def device(self) -> str:
        """Each rank owns the GPU of its number; gloo groups (tests, CPU) run on the CPU."""
        return f"cuda:{self.rank}" if dist.get_backend() == "nccl" else "cpu"


@dataclass
class _State:
    group: ParallelGroup
    store: dist.TCPStore
    address: str
    port: int
    timeout: timedelta
    broken: str | None = None
    on_broken: Callable[[str], None] | None = None
    shared: int = 0
    """Tasks shared so far (leader) or taken (follower): the next task's key is `task/{shared + 1}`."""
    leaving: threading.Event = field(default_factory=threading.Event)
    """Set once this rank leaves on purpose: its heartbeat and watchdog stop."""


_state: _State | None = None


def join_group(
    rank: int,
    world: int,
    address: str,
    port: int,
    *,
    timeout: float = COLLECTIVE_TIMEOUT_SECONDS,
    silent_after: float = SILENT_AFTER_SECONDS,
    on_broken: Callable[[str], None] | None = None,
) -> ParallelGroup:
    """Join the group: NCCL between GPUs, gloo where there are none. A process is one rank for
    life, so the group is remembered for every engine it builds (`joined_group`). `on_broken`
    (leader) is called once, from a watchdog or a render thread, when the group breaks."""
    global _state
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(rank)
    wait = timedelta(seconds=timeout)
    store = dist.TCPStore(address, port, world, rank == 0, wait, wait_for_workers=False)
    dist.init_process_group(backend, store=store, rank=rank, world_size=world, timeout=wait)
    _state = _State(ParallelGroup(rank, world), store, address, port, wait, on_broken=on_broken)
    watch = _watch_followers if rank == 0 else _beat
    threading.Thread(target=watch, args=(_state, silent_after), name="stillmotion-rank-watch", daemon=True).start()
    return _state.group


def joined_group() -> ParallelGroup | None:
    """The group this process is a rank of, if it joined one."""
    return _state.group if _state is not None else None


def broken_reason() -> str | None:
    """Why the group this process joined can run no more tasks; None while it can (or without one)."""
    return _state.broken if _state is not None else None


def _client(state: _State) -> dist.TCPStore:
    """A connection of its own for a watchdog thread (one store client is not shared across threads)."""
    return dist.TCPStore(state.address, state.port, state.group.world, False, state.timeout)


def _beat(state: _State, silent_after: float) -> None:
    """A follower's heartbeat. When it cannot reach the store, the leader's process is gone: leave
    at once, even while the main thread is blocked in a collective that would never return."""
    store = _client(state)
    while not state.leaving.is_set():
        try:
            store.add(f"beat/{state.group.rank}", 1)
        except dist.DistError:
            if not state.leaving.is_set():
                log.error("rank %d: the leader's process is gone; leaving", state.group.rank)
                os._exit(1)
            return
        time.sleep(HEARTBEAT_SECONDS)


def _watch_followers(state: _State, silent_after: float) -> None:
    """The leader's watchdog: a follower whose heartbeat stops (killed, or its process stopped)
    breaks the group."""
    store = _client(state)
    followers = range(1, state.group.world)
    last = dict.fromkeys(followers, -1)
    moved = dict.fromkeys(followers, time.monotonic())
    while not state.leaving.is_set() and state.broken is None:
        now = time.monotonic()
        for rank in followers:
            beats = store.add(f"beat/{rank}", 0)
            if beats != last[rank]:
                last[rank], moved[rank] = beats, now
            elif now - moved[rank] > silent_after:
                break_group(f"GPU process {rank} of {state.group.world} stopped answering")
                return
        time.sleep(HEARTBEAT_SECONDS)


def break_group(reason: str) -> str:
    """Mark the group unusable (the first reason stays), free any rank blocked in a collective,
    and tell the worker; returns the reason the group is broken for."""
    state = _state
    assert state is not None
    with _breaking:
        if state.broken is not None:
            return state.broken
        state.broken = reason
    log.error("the GPU group is broken: %s", reason)
    if dist.get_backend() == "nccl":  # gloo raises by itself on a closed peer or at its timeout
        try:
            dist.distributed_c10d._abort_process_group()
        except Exception:  # already torn down; nothing left to free
            log.warning("aborting the NCCL group failed", exc_info=True)
    if state.on_broken is not None:
        state.on_broken(reason)
    return reason


_breaking = threading.Lock()


def check_group() -> None:
    """Refuse a task at once on a broken group (GroupBroken)."""
    reason = broken_reason()
    if reason is not None:
        raise GroupBroken(reason)


def group_failure(error: BaseException) -> GroupBroken:
    """A split task failed: whatever the cause, the ranks may now be at different collectives, so
    the group is broken; the watchdog's reason, if it saw the cause first, is the clearer one."""
    reason = break_group(f"one of the worker's {_state.group.world if _state else 0} GPU processes failed "
                         f"while they split the video ({type(error).__name__})")
    return GroupBroken(reason)


def enable_context_parallel(pipe: Any, group: ParallelGroup) -> None:
    from diffusers import ContextParallelConfig

    for model in denoisers(pipe):
        model.enable_parallelism(config=ContextParallelConfig(ulysses_degree=group.world))


def share_task(payload: Any) -> None:
    """The leader hands the next task (None: leave) to every follower through the store."""
    state = _state
    assert state is not None and state.group.leader
    state.shared += 1
    state.store.set(f"task/{state.shared}", pickle.dumps(payload))
    if state.shared > 2:  # every follower has taken the one before the last: it ran its collectives
        state.store.delete_key(f"task/{state.shared - 2}")


def _next_task(state: _State) -> Any:
    """A follower's wait for the leader's next task, for as long as it takes. A leader that is
    gone raises DistNetworkError (its store went with it)."""
    key = f"task/{state.shared + 1}"
    while True:
        try:
            state.store.wait([key], _TASK_POLL)
            break
        except dist.DistStoreError:  # the poll's timeout: an idle worker
            continue
    state.shared += 1
    return pickle.loads(state.store.get(key))


def agree_to_stop(stop: bool) -> bool:
    """True on every rank when any rank (in practice the leader) must stop now."""
    flag = torch.tensor([1 if stop else 0])
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())


def follow(generate: Callable[[Any], None]) -> None:
    """A follower's life: run each task the leader shares until it shares None, or is gone."""
    state = _state
    assert state is not None
    while True:
        try:
            payload = _next_task(state)
        except dist.DistNetworkError:
            log.error("rank %d: the leader's process is gone; leaving", state.group.rank)
            state.leaving.set()
            return
        if payload is None:
            state.leaving.set()
            return
        try:
            generate(payload)
        except TaskCancelled:  # the leader's task stopped; every rank stopped at the same step
            log.info("follower %d: task stopped", state.group.rank)
        except Exception:  # the leader fails the task and breaks the group; its end ends this process
            log.exception("follower %d: the split task failed", state.group.rank)


def release_followers() -> None:
    """The leader is shutting down: let every follower leave its loop and the group."""
    state = _state
    assert state is not None
    state.leaving.set()
    share_task(None)
