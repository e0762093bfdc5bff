"""`stillmotion migrate` on a fresh PostgreSQL database: the same Alembic chain as SQLite builds
exactly the schema the models declare, and running it again changes nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.engine import make_url

from stillmotion.config import Settings
from stillmotion.tasks.db import create_engine
from stillmotion.tasks.migrate import alembic_config
from stillmotion.tasks.models import Base
from tests.support.postgres import fresh_database


def migrate(url: str, data_dir: Path) -> str:
    env = {**os.environ, "STILLMOTION_DATABASE_URL": url, "STILLMOTION_DATA_DIR": str(data_dir)}
    done = subprocess.run([sys.executable, "-m", "stillmotion", "migrate"], env=env, capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    return done.stdout


def schema_state(connection: Connection) -> tuple[str | None, list[Any]]:
    context = MigrationContext.configure(connection)
    return context.get_current_revision(), compare_metadata(context, Base.metadata)


async def inspect(settings: Settings) -> tuple[str | None, list[Any]]:
    engine = create_engine(settings)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(schema_state)
    finally:
        await engine.dispose()


def test_migrate_builds_the_models_schema_on_a_fresh_database(tmp_path: Path) -> None:
    with fresh_database() as url:
        first = migrate(url, tmp_path)
        assert "postgresql" in first and "up to date" in first
        again = migrate(url, tmp_path)
        assert "up to date" in again
        settings = Settings(database_url=url, data_dir=tmp_path)
        revision, differences = asyncio.run(inspect(settings))
        assert revision == ScriptDirectory.from_config(alembic_config(settings)).get_current_head()
        assert differences == [], differences


def test_migrate_never_prints_the_database_password(tmp_path: Path) -> None:
    with fresh_database() as url:
        secret_url = make_url(url).set(password="hunter2-secret").render_as_string(hide_password=False)
        # trust auth accepts any password, so the command succeeds with this one too.
        assert "hunter2-secret" not in migrate(secret_url, tmp_path)
