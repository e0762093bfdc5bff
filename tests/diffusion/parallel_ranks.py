"""What each process of a two-rank context-parallel group runs in test_context_parallel.py
(a module of its own: spawned processes import the functions by name)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import numpy as np

FAULT_TIMEOUT = 8.0
"""The collective timeout of the fault runs: the backstop for a follower that hangs."""
FAULT_SILENT_AFTER = 2.0


def _engine_in_group(rank: int, world: int, port: int, weights_root: Path, **group_options: Any) -> Any:
    """Join the group and load the tiny Wan model on this rank."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch

    # diffusers puts rank r on accelerator r % count; a CPU machine has none, so it stands in for one GPU.
    torch.accelerator.device_count = lambda: 1  # type: ignore[method-assign]
    from stillmotion.engines.diffusion.engine import DiffusionEngine
    from stillmotion.engines.diffusion.parallel import join_group
    from tests.diffusion.tiny_models import tiny_spec

    group = join_group(rank, world, "127.0.0.1", port, **group_options)
    return DiffusionEngine(tiny_spec(weights_root, "wan2.1", name="tiny"), group)


def run_rank(rank: int, world: int, port: int, weights_root: Path, out_dir: Path) -> None:
    import torch.distributed as dist

    from stillmotion.engines.diffusion.engine import follow_leader
    from stillmotion.engines.diffusion.parallel import release_followers
    from stillmotion.errors import TaskCancelled
    from stillmotion.pipeline.context import TaskContext
    from tests.diffusion.test_engine import _request

    engine = _engine_in_group(rank, world, port, weights_root)
    if not engine.group.leader:
        follow_leader({"tiny": engine})
        dist.destroy_process_group()
        return
    request = _request(seed=5)
    settings = engine.prepare(request).settings
    np.save(out_dir / "split.npy", engine.generate(request, settings, TaskContext()).frames)

    ctx = TaskContext()
    engine.pipe.transformer.register_forward_pre_hook(lambda *_: ctx.cancel())
    try:
        engine.generate(request, settings, ctx)
    except TaskCancelled:
        (out_dir / "cancelled").write_text("both ranks stopped at the first step")
    engine.pipe.transformer._forward_pre_hooks.clear()
    # The group is still in step after a cancel: the next task runs on both ranks.
    np.save(out_dir / "after_cancel.npy", engine.generate(request, settings, TaskContext()).frames)
    release_followers()
    dist.destroy_process_group()


def run_faulty_rank(rank: int, world: int, port: int, weights_root: Path, out_dir: Path, fault: str) -> None:
    """`fault`: the follower is killed ("kill") or stopped, as a hung GPU would be ("stop"), at its
    first denoising step; or the leader is killed while the follower waits for work ("leader")."""
    from stillmotion.engines.diffusion.engine import follow_leader
    from stillmotion.engines.diffusion.parallel import GroupBroken
    from stillmotion.pipeline.context import TaskContext
    from tests.diffusion.test_engine import _request

    broken: list[str] = []
    engine = _engine_in_group(rank, world, port, weights_root, timeout=FAULT_TIMEOUT,
                              silent_after=FAULT_SILENT_AFTER, on_broken=broken.append)
    if not engine.group.leader:
        if fault in ("kill", "stop"):
            sent = signal.SIGKILL if fault == "kill" else signal.SIGSTOP
            engine.pipe.transformer.register_forward_pre_hook(lambda *_: os.kill(os.getpid(), sent))
        follow_leader({"tiny": engine})
        return
    request = _request(seed=5)
    settings = engine.prepare(request).settings
    if fault == "leader":
        engine.generate(request, settings, TaskContext())  # one task together: the follower is idle now
        (out_dir / "leader-ready").write_text("one task done")
        os.kill(os.getpid(), signal.SIGKILL)
    for attempt in ("failed", "refused"):  # the task that met the fault, then the next one
        try:
            engine.generate(request, settings, TaskContext())
        except GroupBroken as failure:
            (out_dir / attempt).write_text(failure.message)
    (out_dir / "on_broken").write_text("\n".join(broken))
    os._exit(0)  # no orderly teardown of a broken group: the worker's process ends the same way
