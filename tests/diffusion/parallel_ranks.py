"""What each process of a two-rank context-parallel group runs in test_context_parallel.py
(a module of its own: spawned processes import the function by name)."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def run_rank(rank: int, world: int, port: int, weights_root: Path, out_dir: Path) -> None:
    import os

    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch
    import torch.distributed as dist

    # diffusers puts rank r on accelerator r % count; a CPU machine has none, so it stands in for one GPU.
    torch.accelerator.device_count = lambda: 1  # type: ignore[method-assign]
    from stillmotion.engines.diffusion.engine import DiffusionEngine, follow_leader
    from stillmotion.engines.diffusion.parallel import join_group, release_followers
    from stillmotion.errors import TaskCancelled
    from stillmotion.pipeline.context import TaskContext
    from tests.diffusion.test_engine import _request
    from tests.diffusion.tiny_models import tiny_spec

    group = join_group(rank, world, "127.0.0.1", port)
    engine = DiffusionEngine(tiny_spec(weights_root, "wan2.1", name="tiny"), group)
    if not group.leader:
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
