"""Helpers of the distributed-mode tests: find which worker runs a task, wait for it to render."""

from __future__ import annotations

import time

from tests.support.distributed import Deployment, WorkerProcess


def holder(workers: list[WorkerProcess], task_id: str) -> WorkerProcess:
    """The worker whose log says it is running `task_id` (its latest attempt)."""
    running = [worker for worker in workers if f"task {task_id}: attempt" in worker.log()]
    assert len(running) == 1, [worker.log()[-2000:] for worker in workers]
    return running[0]


def wait_for_log(deployment: Deployment, line: str, timeout: float = 15) -> str:
    """All workers' logs once one of them contains `line`."""
    deadline = time.monotonic() + timeout
    while True:
        logs = "".join(worker.log() for worker in deployment.workers)
        if line in logs or time.monotonic() > deadline:
            assert line in logs, logs[-3000:]
            return logs
        time.sleep(0.1)
