"""A migrated fresh PostgreSQL database per test module, and the store objects on top of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from stillmotion.config import Settings
from stillmotion.tasks.accounts import AccountStore
from stillmotion.tasks.db import create_engine, create_sessionmaker
from stillmotion.tasks.migrate import upgrade_database
from stillmotion.tasks.repository import TaskRepository
from tests.support.postgres import fresh_database

# More sessions than the pool holds by default, so races really run on separate connections.
CLIENTS = 32


@pytest.fixture(scope="module")
def postgres_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings for a fresh database on the machine's PostgreSQL, migrated with `stillmotion migrate`'s code."""
    with fresh_database() as url:
        settings = Settings(
            data_dir=tmp_path_factory.mktemp("pg"), database_url=url,
            database_pool_size=CLIENTS, database_max_overflow=0,
        )  # fmt: skip
        upgrade_database(settings)
        yield settings


@dataclass
class Store:
    sessions: async_sessionmaker[AsyncSession]
    tasks: TaskRepository
    accounts: AccountStore


@pytest.fixture
async def store(postgres_settings: Settings) -> AsyncIterator[Store]:
    engine = create_engine(postgres_settings)
    sessions = create_sessionmaker(engine)
    try:
        yield Store(sessions, TaskRepository(sessions, video_url=lambda key: f"https://cdn.test/{key}"),
                    AccountStore(sessions))  # fmt: skip
    finally:
        await engine.dispose()
