"""The command line as a newcomer meets it: readable help, and one clear line for an expected failure."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from typer.testing import CliRunner

from stillmotion.cli import app
from tests.cli.test_generate import run_cli
from tests.support.images import encode, landscape
from tests.support.servers import free_port

README = Path(__file__).resolve().parents[2] / "README.md"
ROOT = typer.main.get_command(app)
NARROW_TERMINAL = 80


def commands(command: Any = ROOT, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command and group with its words (typer carries its own copy of click's classes)."""
    yield path, command
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def help_text(path: tuple[str, ...]) -> str:
    result = CliRunner().invoke(app, [*path, "--help"], terminal_width=NARROW_TERMINAL)
    assert result.exit_code == 0, result.output
    return result.output


def test_the_walk_reaches_every_command() -> None:
    assert {("serve",), ("generate",), ("keys", "create"), ("webhooks", "list")} <= {path for path, _ in commands()}


def test_every_option_and_argument_has_help() -> None:
    missing = [f"{' '.join(path)} {param.name}" for path, command in commands() for param in command.params
               if not getattr(param, "help", None)]
    assert missing == []


def test_help_at_80_columns_cuts_nothing() -> None:
    for path, command in commands():
        text = help_text(path)
        assert "…" not in text and "..." not in text.replace("[ARGS]...", ""), text
        for param in command.params:
            for flag in getattr(param, "opts", []):
                if flag.startswith("-"):
                    assert flag in text, (path, flag)


def test_serve_help_shows_its_defaults_and_their_variables() -> None:
    text = " ".join(help_text(("serve",)).split())
    assert "127.0.0.1, or STILLMOTION_HOST" in text and "8000, or STILLMOTION_PORT" in text


def test_every_setting_named_in_help_is_in_the_readme() -> None:
    named = {name for path, _ in commands() for name in re.findall(r"STILLMOTION_[A-Z_]+", help_text(path))}
    assert named, "the help names no setting: this test would check nothing"
    readme = README.read_text()
    assert sorted(name for name in named if name not in readme) == []


def one_line_failure(result: object) -> str:
    output = (result.stdout + result.stderr).strip()  # type: ignore[attr-defined]
    assert result.returncode == 1, output  # type: ignore[attr-defined]
    assert "Traceback" not in output and len(output.splitlines()) == 1, output
    return output


def test_generate_into_a_missing_folder_fails_before_rendering(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(encode(landscape(640, 360)))
    output = one_line_failure(run_cli("generate", str(photo), "-o", "missing/dir/out.mp4", cwd=tmp_path))
    assert "missing/dir does not exist" in output and "rendering" not in output


def test_generate_into_a_folder_or_from_a_non_image_is_one_line(tmp_path: Path) -> None:
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(encode(landscape(640, 360)))
    assert "is a folder" in one_line_failure(run_cli("generate", str(photo), "-o", str(tmp_path), cwd=tmp_path))
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    output = one_line_failure(run_cli("generate", str(notes), "-o", "out.mp4", cwd=tmp_path))
    assert output.startswith("error 1001: ") and "not a supported image format" in output
    assert not (tmp_path / "out.mp4").exists()


def test_an_unreachable_database_is_one_line_naming_it_without_its_password(tmp_path: Path) -> None:
    url = f"postgresql+asyncpg://someone:hunter2@127.0.0.1:{free_port()}/stillmotion"
    result = subprocess.run([sys.executable, "-m", "stillmotion", "keys", "list"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120, env={**os.environ, "STILLMOTION_DATABASE_URL": url})
    output = one_line_failure(result)
    assert output.startswith("error: cannot use the database postgresql+asyncpg://someone:***@127.0.0.1:")
    assert "hunter2" not in output
