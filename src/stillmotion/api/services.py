"""What the API role holds, built once per process from `Settings` (routes get it through api/deps.py).

The API role is routes, auth, the task store and an executor *client*: it loads no engine
weights and imports no engine module. In embedded mode (`STILLMOTION_EXECUTOR=local`) the same
process also runs the worker role, whose in-process queue is then the executor.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from stillmotion.api.admission import warm_up
from stillmotion.api.rate_limits import AccountRateLimiter
from stillmotion.api.token_cache import VerifiedTokens
from stillmotion.config import Settings
from stillmotion.engines.catalog import ModelCatalog
from stillmotion.executors.base import Executor
from stillmotion.storage import Storage, create_storage
from stillmotion.tasks.store import TaskStore


@dataclass(frozen=True)
class ApiServices:
    settings: Settings
    store: TaskStore
    storage: Storage
    executor: Executor
    models: ModelCatalog
    """The served model names; in embedded mode the worker's registry, which knows what is loaded."""
    rate_limiter: AccountRateLimiter
    verified_tokens: VerifiedTokens


@asynccontextmanager
async def api_services(settings: Settings) -> AsyncIterator[ApiServices]:
    """Open the services, run the embedded worker if this process is one, close all on exit."""
    storage = create_storage(settings)
    store = TaskStore.open(settings, storage)
    rate_limiter = AccountRateLimiter(settings.rate_limit_per_minute, settings.rate_limit_storage)
    verified_tokens = VerifiedTokens(settings.auth_cache_seconds)
    warming = asyncio.create_task(_warm_up_once_serving(settings), name="warm-up")
    try:
        if settings.executor == "local":
            async with _embedded_worker(settings, store, storage) as (executor, models):
                yield ApiServices(settings, store, storage, executor, models, rate_limiter, verified_tokens)
        else:
            from stillmotion.executors.celery import CeleryExecutor

            executor = CeleryExecutor(settings)
            try:
                yield ApiServices(settings, store, storage, executor, ModelCatalog(settings), rate_limiter, verified_tokens)
            finally:
                executor.close()
    finally:
        warming.cancel()  # stops the wait; a compile already in its thread runs to its end
        await asyncio.wait({warming})
        await store.close()


WARM_UP_DELAY = 1.0
"""Seconds between start-up and the warm-up. Compiling the moderation lexicon is ~0.2 s of
pure-Python regex parsing that holds the GIL: run beside the start-up it delayed the first
/readyz by that much (1.0-1.1 s against 0.8-0.9 s without it, measured with `serve`)."""


async def _warm_up_once_serving(settings: Settings) -> None:
    """Compile the lexicon (and load the semantic model) after the listener is up. A create that
    needs moderation before then compiles it itself; the loaders are cached and locked, so the
    work is done once either way."""
    await asyncio.sleep(WARM_UP_DELAY)
    await asyncio.to_thread(warm_up, settings)


@asynccontextmanager
async def _embedded_worker(
    settings: Settings, store: TaskStore, storage: Storage
) -> AsyncIterator[tuple[Executor, ModelCatalog]]:
    """The worker role in this process, fed by the in-process queue (imported only here: the
    API role alone never loads an engine module)."""
    from stillmotion.executors.local import LocalExecutor
    from stillmotion.worker.role import WorkerRole

    worker = WorkerRole(settings, store, storage)
    executor = LocalExecutor(worker.runner, settings.workers)
    await worker.start(executor)
    await executor.start()
    try:
        yield executor, worker.engines
    finally:
        await worker.stop()  # drains the runner first: running tasks finish or are handed back
        await executor.stop()
