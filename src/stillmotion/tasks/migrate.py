"""Bring the database schema to the newest revision (`stillmotion migrate`, and `serve` on start)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from stillmotion.config import Settings
from stillmotion.errors import StoreUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

_MIGRATIONS = Path(__file__).with_name("migrations")

HEAD_REVISION = "0005"
"""The newest revision under migrations/versions (a test checks it is alembic's head)."""


def alembic_config(settings: Settings) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["settings"] = settings
    return config


def upgrade_database(settings: Settings) -> None:
    """Idempotent; safe to run on every start. Must not be called from a running event loop.

    A database already at `HEAD_REVISION` is left alone without loading alembic: importing it and
    reading every migration script was about a third of `serve`'s start-up on an existing database.
    Anything else (a new database, an older schema, a version we cannot read) goes to alembic."""
    if _current_revision(settings) == HEAD_REVISION:
        return
    from alembic import command

    command.upgrade(alembic_config(settings), "head")


def _current_revision(settings: Settings) -> str | None:
    """The revision the database says it stands at; None where it says nothing readable."""
    from stillmotion.tasks.db import create_engine

    async def read() -> str | None:
        engine = create_engine(settings)
        try:
            async with engine.connect() as connection:
                return await connection.scalar(text("SELECT version_num FROM alembic_version"))
        finally:
            await engine.dispose()

    try:
        return asyncio.run(read())
    except (SQLAlchemyError, StoreUnavailable, OSError):
        return None
