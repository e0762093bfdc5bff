"""The one seam between "a task was stored" and "some worker runs it".

The API calls `submit` after storing a task and `cancel` after the store recorded a cancel;
`/metrics` and `/readyz` ask `queue_depth`. Every executor is only a dispatcher: the task store
stays the truth (claim, lease, outcome), so submitting twice or to a dead worker is harmless.
Implementations: `local` (an in-process queue in `serve`) and `celery` (a broker, `stillmotion worker`).
"""

from __future__ import annotations

from typing import Protocol


class QueueUnavailable(Exception):
    """The executor's queue cannot be reached (a broker down); what any executor raises for it."""


class Executor(Protocol):
    async def submit(self, task_id: str, model_name: str) -> None:
        """Queue a stored task to run, on its model's queue (a worker serves only the models it
        has loaded). QueueUnavailable when the queue cannot be reached: the task
        stays pending in the store and the reclaim sweep dispatches it again later."""
        ...

    async def cancel(self, task_id: str) -> None:
        """The store already says the task was cancelled; stop it sooner if it is running.
        Best effort, never raises: workers also learn it from their next lease renewal (0.5 s),
        on any machine."""
        ...

    async def queue_depth(self) -> int:
        """Tasks waiting in the queue (not running); QueueUnavailable when it cannot be reached."""
        ...
