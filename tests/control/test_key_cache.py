"""The API's credential cache (STILLMOTION_AUTH_CACHE_SECONDS): a revoke in the same process
takes effect at once, one in another process within the cache time, and what the cache holds is
only ever a live key's credential."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from stillmotion.config import Settings
from stillmotion.storage.local import LocalStorage
from stillmotion.tasks.accounts import AccountStore
from stillmotion.tasks.db import create_sessionmaker
from stillmotion.tasks.migrate import upgrade_database
from stillmotion.tasks.store import TaskStore

CACHE_SECONDS = 0.5


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[TaskStore]:
    settings = Settings(data_dir=tmp_path, auth_cache_seconds=CACHE_SECONDS)
    await asyncio.to_thread(upgrade_database, settings)  # it runs its own event loop
    opened = TaskStore.open(settings, LocalStorage(settings))
    yield opened
    await opened.close()


def operator(store: TaskStore) -> AccountStore:
    """Another process's view (the CLI's): the same database, no cache."""
    return AccountStore(create_sessionmaker(store.db))


async def test_a_revoke_elsewhere_takes_effect_within_the_cache_time(store: TaskStore) -> None:
    issued = await store.accounts.issue_key("ida", credits=10)
    assert await store.accounts.by_api_key(issued.api_key) is not None
    assert await store.accounts.by_access_key(issued.access_key) is not None
    assert await operator(store).revoke(issued.access_key)
    # Still served from the cache: this is the documented window...
    assert await store.accounts.by_api_key(issued.api_key) is not None
    await asyncio.sleep(CACHE_SECONDS + 0.1)
    # ...and no longer after it, by either kind of token.
    assert await store.accounts.by_api_key(issued.api_key) is None
    assert await store.accounts.by_access_key(issued.access_key) is None


async def test_a_revoke_in_this_process_takes_effect_at_once(store: TaskStore) -> None:
    issued = await store.accounts.issue_key("jon", credits=10)
    assert await store.accounts.by_api_key(issued.api_key) is not None
    assert await store.accounts.revoke(issued.api_key)
    assert await store.accounts.by_api_key(issued.api_key) is None
    assert await store.accounts.by_access_key(issued.access_key) is None


async def test_unknown_keys_are_not_cached(store: TaskStore) -> None:
    """A key that did not resolve is looked up again: one issued a moment later works at once."""
    assert await store.accounts.by_api_key("sm_not-a-key") is None
    issued = await store.accounts.issue_key("kim", credits=10)
    assert await store.accounts.by_api_key(issued.api_key) is not None
