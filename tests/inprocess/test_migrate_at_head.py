"""`upgrade_database` leaves a database at the newest revision alone without loading alembic (a
third of `serve`'s start-up), and hands every other one to alembic."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory

from stillmotion.config import Settings
from stillmotion.tasks.migrate import HEAD_REVISION, alembic_config, upgrade_database


def _version(settings: Settings) -> str:
    with sqlite3.connect(settings.data_dir / "stillmotion.db") as connection:
        return str(connection.execute("SELECT version_num FROM alembic_version").fetchone()[0])


def test_the_head_revision_is_alembics(tmp_path: Path) -> None:
    assert HEAD_REVISION == ScriptDirectory.from_config(alembic_config(Settings(data_dir=tmp_path))).get_current_head()


def test_a_database_at_head_is_left_alone_and_others_are_upgraded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path)
    upgrade_database(settings)  # a new database: alembic builds it
    assert _version(settings) == HEAD_REVISION
    runs: list[str] = []
    real_upgrade = command.upgrade
    monkeypatch.setattr(command, "upgrade", lambda config, target: runs.append(target) or real_upgrade(config, target))
    upgrade_database(settings)
    assert runs == [], "at head: alembic is not asked"
    command.downgrade(alembic_config(settings), "-1")
    upgrade_database(settings)
    assert runs == ["head"] and _version(settings) == HEAD_REVISION


def test_a_database_without_a_version_goes_to_alembic(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    sqlite3.connect(settings.data_dir / "stillmotion.db").close()  # an empty file: no alembic_version table
    upgrade_database(settings)
    assert _version(settings) == HEAD_REVISION
