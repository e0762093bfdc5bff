"""One video split across two processes (gloo on the CPU, as NCCL would across two GPUs) gives the
frames one process gives for the same seed, and a cancel stops both ranks at the same step. A rank
that dies or hangs fails the task with a message that says so and breaks the group, instead of
leaving the other rank waiting forever."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch.multiprocessing as mp

from stillmotion.pipeline.context import TaskContext
from tests.diffusion.parallel_ranks import run_faulty_rank, run_rank
from tests.diffusion.test_engine import _engine, _request
from tests.support.servers import free_port


def test_two_ranks_make_the_same_frames_as_one_process(tiny_weights_root: Path, tmp_path: Path) -> None:
    one = _engine(tiny_weights_root, "wan2.1")  # builds the weights once, before two ranks read them
    mp.start_processes(run_rank, args=(2, free_port(), tiny_weights_root, tmp_path), nprocs=2,
                       start_method="spawn", join=True)
    request = _request(seed=5)
    reference = one.generate(request, one.prepare(request).settings, TaskContext()).frames
    split = np.load(tmp_path / "split.npy")
    assert split.shape == reference.shape
    assert np.abs(split.astype(int) - reference.astype(int)).max() <= 1
    assert (tmp_path / "cancelled").exists()
    assert np.array_equal(np.load(tmp_path / "after_cancel.npy"), split)


_HANG_GUARD = 300  # seconds; only a rank that never ends reaches it


@pytest.mark.parametrize("fault", ["kill", "stop"])
def test_a_follower_that_dies_or_hangs_fails_the_task_and_the_group(tiny_weights_root: Path, tmp_path: Path,
                                                                    fault: str) -> None:
    _engine(tiny_weights_root, "wan2.1")  # builds the weights once, before two ranks read them
    ranks = mp.start_processes(run_faulty_rank, args=(2, free_port(), tiny_weights_root, tmp_path, fault),
                               nprocs=2, start_method="spawn", join=False)
    leader, follower = ranks.processes
    leader.join(timeout=_HANG_GUARD)
    follower.kill()  # killed or stopped already; a stopped one would never end by itself
    follower.join()
    assert leader.exitcode == 0, "the leader did not come back from the broken task"
    failed = (tmp_path / "failed").read_text()
    assert failed.startswith("Video generation failed: ") and failed.endswith(
        "The worker restarts its GPU processes; submit the task again.")
    silent = "GPU process 1 of 2 stopped answering"  # the watchdog's word: its heartbeat stopped
    if fault == "stop":  # alive but silent: only the watchdog can tell (the collective timeout ends the wait)
        assert silent in failed
    else:  # killed: its connection closed and the collective raised, unless the watchdog spoke first
        assert silent in failed or "one of the worker's 2 GPU processes failed while they split the video" in failed
    assert (tmp_path / "refused").read_text() == failed  # the next task is refused at once, same reason
    reason = (tmp_path / "on_broken").read_text()
    assert reason and reason in failed  # the worker was told once, to stop and be restarted


def test_a_follower_leaves_when_its_leader_dies(tiny_weights_root: Path, tmp_path: Path) -> None:
    _engine(tiny_weights_root, "wan2.1")
    ranks = mp.start_processes(run_faulty_rank, args=(2, free_port(), tiny_weights_root, tmp_path, "leader"),
                               nprocs=2, start_method="spawn", join=False)
    leader, follower = ranks.processes
    follower.join(timeout=_HANG_GUARD)
    ended = follower.exitcode is not None
    if not ended:
        follower.kill()
        follower.join()
    leader.join()
    assert (tmp_path / "leader-ready").exists() and leader.exitcode == -9
    assert ended, "the follower waited for its dead leader"


def test_worker_refuses_more_gpus_than_the_machine_has(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    import torch

    wanted = torch.cuda.device_count() + 1 if torch.cuda.is_available() else 2
    result = subprocess.run(
        [sys.executable, "-m", "stillmotion", "worker", "--gpus", str(wanted)],
        env={**os.environ, "STILLMOTION_DATA_DIR": str(tmp_path)}, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 2, result.stderr
    assert f"--gpus {wanted} needs {wanted}" in " ".join(result.stderr.split())
