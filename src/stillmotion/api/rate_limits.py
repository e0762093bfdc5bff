"""Requests per minute per account (429/1303 with Retry-After), in a moving window.

A moving window never lets a burst at a minute boundary through twice, and it says when it frees
up (our Retry-After): a minute after the oldest request it holds. Several API processes share
their counts through a `limits` storage URI (`async+redis://host:6379`): the library's moving
window over Redis, its check-and-count one atomic script. Counts kept in this process (the
default, `async+memory://` or `memory://`) are a queue of request times per account here:
`limits`' asyncio memory storage hands each hit's expiry sweep to a thread (180 µs of CPU a
request; its synchronous one starts an expiry thread every 10 ms and blocks the event loop while
it starts), where a queue costs a few microseconds (docs/benchmarks.md).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from typing import NoReturn
from urllib.parse import urlparse

from limits import RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from stillmotion.errors import RateLimited

_NAMESPACE = "account-requests"
_IN_PROCESS = {"memory://", "async+memory://"}
WINDOW_SECONDS = 60.0


class InProcessWindows:
    """Each account's requests of the last minute, oldest first, in this process."""

    def __init__(self, limit: int, clock: Callable[[], float] = time.monotonic) -> None:
        self._limit = limit
        self._clock = clock
        self._requests: dict[int, deque[float]] = {}
        self._next_sweep = clock() + WINDOW_SECONDS

    def __len__(self) -> int:
        """Accounts held: those with a request in the last minute, and at most a minute's idle ones."""
        return len(self._requests)

    def hit(self, account_id: int) -> float | None:
        """Count the request and return None, or return when the window frees up (on the clock)."""
        now = self._clock()
        if now >= self._next_sweep:
            self._sweep(now)
        requests = self._requests.setdefault(account_id, deque())
        while requests and requests[0] <= now - WINDOW_SECONDS:
            requests.popleft()
        if len(requests) >= self._limit:
            return requests[0] + WINDOW_SECONDS
        requests.append(now)
        return None

    def _sweep(self, now: float) -> None:
        """Forget accounts with nothing in their window, once a minute: idle ones cost no memory."""
        self._requests = {
            account: requests for account, requests in self._requests.items()
            if requests and requests[-1] > now - WINDOW_SECONDS
        }  # fmt: skip
        self._next_sweep = now + WINDOW_SECONDS


class AccountRateLimiter:
    def __init__(self, per_minute: int, storage_uri: str) -> None:
        """`per_minute` 0 turns the limit off."""
        self._per_minute = per_minute
        self._item = RateLimitItemPerMinute(per_minute) if per_minute else None
        self._here = InProcessWindows(per_minute) if per_minute and storage_uri in _IN_PROCESS else None
        self._shared = (
            MovingWindowRateLimiter(storage_from_string(storage_uri, **_client_options(storage_uri)))  # type: ignore[arg-type]
            if per_minute and self._here is None
            else None
        )

    async def hit(self, account_id: int) -> None:
        """Count one request of the account, or raise RateLimited once the window is full."""
        if self._here is not None:
            frees_up = self._here.hit(account_id)
            if frees_up is not None:
                self._refuse(frees_up - time.monotonic())
        elif self._shared is not None:
            key = str(account_id)
            if not await self._shared.hit(self._item, _NAMESPACE, key):  # type: ignore[arg-type]
                stats = await self._shared.get_window_stats(self._item, _NAMESPACE, key)  # type: ignore[arg-type]
                self._refuse(stats.reset_time - time.time())

    def _refuse(self, seconds_left: float) -> NoReturn:
        raise RateLimited(
            f"Rate limit exceeded: at most {self._per_minute} requests per minute.",
            retry_after=max(1, math.ceil(seconds_left)),
        )


def _client_options(storage_uri: str) -> dict[str, str]:
    """Redis through redis-py's asyncio client, which Celery's Redis transport installs already:
    `limits` would otherwise ask for coredis, which this project does not install."""
    return {"implementation": "redispy"} if urlparse(storage_uri).scheme.startswith("async+redis") else {}
