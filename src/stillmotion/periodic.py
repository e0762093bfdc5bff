"""The one loop behind every background chore (reclaim, webhook dispatch, housekeeping), and
the one way to stop background tasks."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from contextlib import suppress
from typing import Any, NoReturn


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


async def cancel_all(tasks: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel every task, then wait until each has ended."""
    pending = list(tasks)
    for task in pending:
        task.cancel()
    for task in pending:
        with suppress(asyncio.CancelledError):
            await task
