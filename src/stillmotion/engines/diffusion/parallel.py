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

Ring attention is not offered: diffusers' ring needs attention kernels that return the
log-sum-exp (flash, sage), which the default SDPA backend does not, while Ulysses works with
every backend.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist

from stillmotion.engines.diffusion.speed import denoisers

log = logging.getLogger(__name__)

CONTEXT_PARALLEL_FAMILIES = ("wan", "ltx", "ltx2")
"""Families whose diffusers transformer declares a context-parallel plan (`_cp_plan`)."""


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


_joined: ParallelGroup | None = None


def join_group(rank: int, world: int, address: str, port: int) -> ParallelGroup:
    """Join the group: NCCL between GPUs, gloo where there are none. A process is one rank for
    life, so the group is remembered for every engine it builds (`joined_group`)."""
    global _joined
    os.environ.update(MASTER_ADDR=address, MASTER_PORT=str(port))
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(rank)
    dist.init_process_group(backend, rank=rank, world_size=world)
    _joined = ParallelGroup(rank, world)
    return _joined


def joined_group() -> ParallelGroup | None:
    """The group this process is a rank of, if it joined one."""
    return _joined


def enable_context_parallel(pipe: Any, group: ParallelGroup) -> None:
    from diffusers import ContextParallelConfig

    for model in denoisers(pipe):
        model.enable_parallelism(config=ContextParallelConfig(ulysses_degree=group.world))


def share_task(payload: Any) -> Any:
    """The leader's payload, on every rank (None tells followers to stop)."""
    box = [payload]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def agree_to_stop(stop: bool) -> bool:
    """True on every rank when any rank (in practice the leader) must stop now."""
    flag = torch.tensor([1 if stop else 0])
    dist.all_reduce(flag, op=dist.ReduceOp.MAX)
    return bool(flag.item())


def follow(generate: Callable[[Any], None]) -> None:
    """A follower's life: run each task the leader shares until it shares None."""
    while (payload := share_task(None)) is not None:
        try:
            generate(payload)
        except Exception:  # cancelled with the leader, or failed: wait for the next task
            log.info("follower %d: task stopped", dist.get_rank(), exc_info=True)


def release_followers() -> None:
    """The leader is shutting down: let every follower leave its loop and the group."""
    share_task(None)
