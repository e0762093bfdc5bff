"""docs/diffusion.md's promises, run as written: its CPU recipe, its settings JSON, its log line."""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from stillmotion.config import Settings
from stillmotion.engines.diffusion import DiffusionSpec
from tests.support.images import encode, landscape
from tests.support.servers import free_port
from tests.support.videos import video_shape

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "diffusion.md"
RECIPE_HEADING = "## Try it on the CPU first"


def _section(heading: str) -> str:
    text = DOC.read_text()
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end != -1 else None]


def _blocks(text: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.DOTALL)


@pytest.fixture
def checkout_copy(tmp_path: Path) -> Path:
    """A directory that looks like the checkout's root (the recipe runs there), writing only to tmp."""
    work = tmp_path / "checkout"
    work.mkdir()
    for name in (".venv", "tests", "src", "Makefile", "pyproject.toml"):
        (work / name).symlink_to(ROOT / name)
    (work / "photo.jpg").write_bytes(encode(landscape(640, 360, seed=5)))
    return work


def test_the_cpu_recipe_runs_as_written(checkout_copy: Path, tmp_path: Path) -> None:
    build, serve = _blocks(_section(RECIPE_HEADING), "bash")
    # The recipe's `make` must find the environment installed: run from the copy, an install
    # would point the editable package at a temporary directory.
    assert subprocess.run(["make", "-q", ".venv/.installed-test"], cwd=ROOT).returncode == 0, (
        "the environment is older than pyproject.toml: run `make .venv/.installed-test` first"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path), "STILLMOTION_DATA_DIR": str(tmp_path / "data"),
           "STILLMOTION_PORT": str(free_port())}
    subprocess.run(["bash", "-euo", "pipefail", "-c", build], cwd=checkout_copy, env=env, check=True, timeout=600)

    with (checkout_copy / "tiny.mp4").open("rb") as video:
        assert video_shape(video) == (1280, 720, 24, 24)
    setting = json.loads((checkout_copy / "tiny-models.json").read_text())
    assert "engine" not in setting["tiny-wan"]  # `family` alone names the diffusion engine

    # The serve line, with the setting the recipe exported; the documented load line must appear.
    log_path = tmp_path / "serve.log"
    env["STILLMOTION_MODELS"] = json.dumps(setting)
    with log_path.open("wb") as log:
        server = subprocess.Popen(["bash", "-c", serve], cwd=checkout_copy, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 180
        ready = False
        while time.monotonic() < deadline and not ready and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{env['STILLMOTION_PORT']}/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                time.sleep(0.3)
        text = log_path.read_text()
        assert ready, text
        assert re.search(r"diffusion model tiny-wan \(wan2\.1-i2v\) loaded from \S+ in [\d.]+ s on cpu", text), text
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)


def test_every_settings_json_in_the_doc_is_a_valid_models_setting() -> None:
    blocks = _blocks(DOC.read_text(), "json")
    assert blocks
    for block in blocks:
        models = Settings(models=json.loads(block)).models
        for name, config in models.items():
            if config == "motion":
                continue
            assert isinstance(config, dict)
            spec = DiffusionSpec.from_dict(name, config)
            assert spec.weights_dir.is_absolute()


def test_the_doc_names_the_setting_and_the_install_order() -> None:
    text = DOC.read_text()
    assert "STILLMOTION_MODELS" in text
    assert "pip install 'stillmotion[gpu]'" not in text  # not on PyPI: torch first, then the extra from a checkout
    assert 'pip install -e ".[gpu]"' in text
    assert "tiny_spec" not in text  # a Python object; the recipe prints the setting's JSON instead
