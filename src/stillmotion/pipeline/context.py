"""Progress and cancellation, carried through every stage of one task.

Stages run in a worker thread; the executor reads `progress` and flips
`cancel()` from the event loop. A float write and a `threading.Event` are
safe across threads without further locking.
"""

from __future__ import annotations

import threading
import time

from stillmotion.errors import TaskCancelled, TaskTimedOut


class TaskContext:
    def __init__(self, deadline: float | None = None) -> None:
        self._cancelled = threading.Event()
        self._deadline = deadline  # time.monotonic() value, or None for no limit
        self._span = (0.0, 100.0)
        self.progress = 0.0
        self.preview: bytes | None = None
        """The latest low-resolution JPEG of the work in progress, when the engine makes one."""
        self.notes: list[str] | None = None
        """The task's notes once the engine has planned it (the heartbeat stores them)."""

    def stage(self, start: float, end: float) -> None:
        """Map the next `report()` fractions onto [start, end] of overall progress."""
        self._span = (start, end)
        self.progress = max(self.progress, start)

    def report(self, fraction: float) -> None:
        """Record that `fraction` (0..1) of the current stage is done."""
        start, end = self._span
        value = start + (end - start) * min(max(fraction, 0.0), 1.0)
        self.progress = max(self.progress, value)

    def cancel(self) -> None:
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    @property
    def stopping(self) -> bool:
        """Whether `check()` would raise now (cancelled, or past the deadline)."""
        return self._cancelled.is_set() or (self._deadline is not None and time.monotonic() > self._deadline)

    def check(self) -> None:
        """Raise if the task must stop now; called between frames and steps."""
        if self._cancelled.is_set():
            raise TaskCancelled()
        if self._deadline is not None and time.monotonic() > self._deadline:
            raise TaskTimedOut()
