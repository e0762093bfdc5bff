"""Bring the database schema to the newest revision (`stillmotion migrate`, and `serve` on start)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from stillmotion.config import Settings

_MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(settings: Settings) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    config.attributes["settings"] = settings
    return config


def upgrade_database(settings: Settings) -> None:
    """Idempotent; safe to run on every start. Must not be called from a running event loop."""
    command.upgrade(alembic_config(settings), "head")
