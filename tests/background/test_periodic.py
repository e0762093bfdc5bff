"""The one background loop retries after a failed pass instead of dying: one database hiccup
must not stop the sweeper, the webhook dispatch or housekeeping for good."""

from __future__ import annotations

import asyncio
import logging

import pytest

from stillmotion.periodic import cancel_all, every


async def test_a_failed_pass_is_logged_and_the_next_period_runs(caplog: pytest.LogCaptureFixture) -> None:
    passes: list[int] = []
    done = asyncio.Event()

    async def flaky() -> None:
        passes.append(len(passes))
        if len(passes) == 1:
            raise ConnectionError("database went away")
        if len(passes) == 3:
            done.set()

    loop = asyncio.create_task(every(0.01, flaky, "test chore", logging.getLogger("stillmotion.test")))
    try:
        await asyncio.wait_for(done.wait(), timeout=10)
    finally:
        await cancel_all([loop])
    assert passes[:3] == [0, 1, 2]
    failures = [record for record in caplog.records if record.levelno == logging.ERROR]
    assert len(failures) == 1 and failures[0].getMessage() == "test chore failed; retrying next period"
    assert failures[0].exc_info is not None and isinstance(failures[0].exc_info[1], ConnectionError)


async def test_cancel_all_ends_every_task() -> None:
    tasks = [asyncio.create_task(asyncio.sleep(60)) for _ in range(3)]
    await cancel_all(tasks)
    assert all(task.cancelled() for task in tasks)
