"""A real task store (SQLite file, migrated by alembic) opened in the test process.

The schema is migrated once per session into a template file; each test gets its own copy, so
tests never see each other's rows and none pays for the migration. In-process, these tests are
what mutation testing can see (docs/testing.md)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from stillmotion.config import Settings
from stillmotion.storage.local import LocalStorage
from stillmotion.tasks.migrate import upgrade_database
from stillmotion.tasks.models import Task
from stillmotion.tasks.store import TaskStore
from tests.support.postgres import STORES, fresh_database


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("template")
    upgrade_database(Settings(data_dir=data_dir))
    return data_dir / "stillmotion.db"


def make_settings(tmp_path: Path, template: Path, **overrides: Any) -> Settings:
    """Settings on a fresh copy of the migrated database."""
    settings = Settings(data_dir=tmp_path, moderation_semantic=False, **overrides)
    shutil.copy(template, tmp_path / "stillmotion.db")
    return settings


@pytest.fixture(params=STORES)
def store_settings(request: pytest.FixtureRequest, tmp_path: Path, migrated_template: Path) -> Iterator[Settings]:
    """A migrated store's settings: a copy of the SQLite template, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield make_settings(tmp_path, migrated_template)
        return
    with fresh_database() as url:
        migrated = Settings(data_dir=tmp_path, database_url=url, moderation_semantic=False)
        upgrade_database(migrated)
        yield migrated


@pytest.fixture
async def either_store(store_settings: Settings) -> AsyncIterator[TaskStore]:
    """A task store on each database in turn (`store` is SQLite only: most rules are the same)."""
    opened = TaskStore.open(store_settings, LocalStorage(store_settings))
    yield opened
    await opened.close()


@pytest.fixture
async def store(tmp_path: Path, migrated_template: Path) -> AsyncIterator[TaskStore]:
    settings = make_settings(tmp_path, migrated_template, video_retention_hours=2.0)
    opened = TaskStore.open(settings, LocalStorage(settings))
    yield opened
    await opened.close()


def new_task(account_id: int, **fields: Any) -> Task:
    """A task as the create route stores it (every request field set)."""
    request: dict[str, Any] = {
        "model_name": "motion", "image_url": "data:image/png;base64,AAAA", "prompt": "a cat walks",
        "negative_prompt": None, "resolution": "720p", "duration": 2, "fps": 24, "cfg_scale": 5.0,
        "enhance_prompt": False, "generate_audio": False, "audio_prompt": None, "callback_url": None,
        "seed": 7, "seed_requested": True, "enable_moderation": True,
    }  # fmt: skip
    return Task(account_id=account_id, **{**request, **fields})


async def open_account(store: TaskStore, name: str = "alice", credits: int | None = 20) -> int:
    """A new account with one key set and `credits`; its id."""
    issued = await store.accounts.issue_key(name, credits)
    credential = await store.accounts.by_access_key(issued.access_key)
    assert credential is not None
    return credential.account_id
