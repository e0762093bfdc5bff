"""Requests per minute per account (429/1303 with Retry-After).

Uses the `limits` library's moving window rather than a hand-written bucket: it is the
well-kept implementation behind Flask-Limiter and SlowAPI, its moving window never lets a
burst at a minute boundary through twice, it reports when the window frees up (our
Retry-After), and its storage is a URI, so a deployment with several API processes points
them all at one Redis with a setting instead of new code.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from stillmotion.errors import RateLimited

_NAMESPACE = "account-requests"


class AccountRateLimiter:
    def __init__(self, per_minute: int, storage_uri: str) -> None:
        """`per_minute` 0 turns the limit off."""
        self._item = RateLimitItemPerMinute(per_minute) if per_minute else None
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_uri))  # type: ignore[arg-type]

    async def hit(self, account_id: int) -> None:
        """Count one request of the account, or raise RateLimited once the window is full."""
        if self._item is None:
            return
        key = str(account_id)
        if await self._limiter.hit(self._item, _NAMESPACE, key):
            return
        stats = await self._limiter.get_window_stats(self._item, _NAMESPACE, key)
        retry_after = max(1, math.ceil(stats.reset_time - time.time()))
        raise RateLimited(
            f"Rate limit exceeded: at most {self._item.amount} requests per minute.", retry_after=retry_after
        )
