"""`stillmotion worker --gpus N`: one worker whose every video is split across N GPUs.

This process becomes rank 0 (the leader: it claims tasks like any worker) and starts N-1
follower processes, one per further GPU. Each follower loads the same diffusion models and
runs the leader's tasks with it (engines/diffusion/parallel.py) until the leader releases them
at shutdown. The motion engine and the audio run on the leader only.

When a rank dies or hangs, the group is broken for good (parallel.py): the task fails with a
message that says so, and the leader stops itself as on SIGTERM (the running task ends, queued
ones stay queued), kills the remaining followers and exits with status 1, so the supervisor that
runs the worker (systemd, Kubernetes) starts all its ranks afresh.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from stillmotion.config import Settings

log = logging.getLogger("stillmotion.worker")
_ADDRESS = "127.0.0.1"  # the ranks of one worker share a machine


def _follower(rank: int, world: int, port: int, models: dict[str, Any]) -> None:
    """A follower process: join, load the diffusion models, follow the leader until released."""
    from stillmotion.engines.catalog import ModelCatalog
    from stillmotion.engines.diffusion.engine import DiffusionEngine, follow_leader
    from stillmotion.engines.diffusion.parallel import join_group
    from stillmotion.engines.diffusion.spec import DiffusionSpec

    join_group(rank, world, _ADDRESS, port)
    catalog = ModelCatalog(Settings(models=models))
    engines = {name: DiffusionEngine(DiffusionSpec.from_dict(name, models[name]))
               for name in catalog.model_names if catalog.describe(name)["engine"] == "diffusion"}
    follow_leader(engines)


def gpu_count_problem(gpus: int) -> str | None:
    """Why `--gpus` cannot be honoured here, if it cannot."""
    if gpus == 1:
        return None
    import torch

    if not torch.cuda.is_available() or torch.cuda.device_count() < gpus:
        found = torch.cuda.device_count() if torch.cuda.is_available() else 0
        return f"this machine has {found} CUDA GPU(s); --gpus {gpus} needs {gpus}"
    return None


@contextmanager
def split_across_gpus(settings: Settings, gpus: int) -> Iterator[None]:
    """Start the followers and join as the leader; on exit, release them and wait for them."""
    if gpus == 1:
        yield
        return
    from stillmotion.engines.diffusion.parallel import broken_reason, join_group, release_followers

    port = _free_port()
    context = multiprocessing.get_context("spawn")  # CUDA cannot be forked into children
    followers = [context.Process(target=_follower, args=(rank, gpus, port, settings.models), daemon=True,
                                 name=f"stillmotion-rank{rank}") for rank in range(1, gpus)]
    for process in followers:
        process.start()
    join_group(0, gpus, _ADDRESS, port, on_broken=_stop_worker)
    log.warning("worker splits each video across %d ranks (context parallelism)", gpus)
    try:
        yield
    finally:
        if broken_reason() is None:
            release_followers()
        for process in followers:
            process.join(timeout=60 if broken_reason() is None else 0)
            if process.is_alive():  # stuck, or its group is broken: it can do nothing more
                process.kill()
                process.join()


def _stop_worker(reason: str) -> None:
    """The group broke: stop this worker as SIGTERM does (Celery's warm shutdown, our drain)."""
    log.error("stopping the worker so its GPU processes start afresh: %s", reason)
    os.kill(os.getpid(), signal.SIGTERM)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((_ADDRESS, 0))
        return int(probe.getsockname()[1])
