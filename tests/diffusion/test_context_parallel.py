"""One video split across two processes (gloo on the CPU, as NCCL would across two GPUs) gives the
frames one process gives for the same seed, and a cancel stops both ranks at the same step."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch.multiprocessing as mp

from stillmotion.pipeline.context import TaskContext
from tests.diffusion.parallel_ranks import run_rank
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
