"""The decisions of `wait()`, shared by the sync and async tasks."""

from __future__ import annotations

import time
from typing import Any

from stillmotion.client.errors import RateLimited, ServiceUnavailable, TaskFailed, TransportError, WaitTimeout
from stillmotion.client.state import TaskState

# Answers a poll may get while the task runs on: waited out rather than raised.
RETRYABLE_WHILE_WAITING = (RateLimited, ServiceUnavailable, TransportError)
# Poll quickly at first (short videos finish in seconds), then back off so a long render is
# not polled hundreds of times.
FIRST_POLL_SECONDS = 0.5
POLL_GROWTH = 1.5
MAX_POLL_SECONDS = 5.0


class WaitLoop:
    """The decisions of wait(), shared by the sync and async tasks: when to report progress,
    when to stop, how long to sleep. Polls back off from 0.5 s to 5 s; a rate limit's
    Retry-After is honoured; the total deadline is never overslept."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._deadline = time.monotonic() + timeout
        self._delay = FIRST_POLL_SECONDS
        self._seen: tuple[Any, ...] | None = None

    def changed(self, state: TaskState) -> bool:
        """True when status, progress or queue position differ from the last poll's."""
        shown = (state.status, state.progress, state.queue_position)
        changed, self._seen = shown != self._seen, shown
        return changed

    @staticmethod
    def finished(state: TaskState) -> bool:
        """True once succeeded; TaskFailed once failed."""
        if state.failed:
            raise TaskFailed(state)
        return state.succeeded

    def pause(self, state: TaskState, retry_after: float | None = None) -> float:
        """Seconds to sleep before the next poll; WaitTimeout when the deadline has passed."""
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise WaitTimeout(state, self.timeout)
        delay = max(self._delay, retry_after or 0)
        self._delay = min(self._delay * POLL_GROWTH, MAX_POLL_SECONDS)
        return min(delay, remaining)
