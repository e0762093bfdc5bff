"""The one loop behind every background chore (sweeper, webhook dispatch, housekeeping)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import NoReturn


async def every(
    period_seconds: float, job: Callable[[], Awaitable[object]], what: str, log: logging.Logger
) -> NoReturn:
    """Run `job` now and then every `period_seconds`; a failure is logged and retried next period,
    so one bad pass (a database hiccup) never stops the chore for good."""
    while True:
        try:
            await job()
        except Exception:
            log.exception("%s failed; retrying next period", what)
        await asyncio.sleep(period_seconds)
