"""Every code block of docs/quickstart.md, run top to bottom as a newcomer would.

The first block (`stillmotion serve`) is the server the page asks to start "in one terminal":
it runs in the background, in an empty working directory holding only `photo.jpg`, on a free
port written in place of the page's 8000. Each later block runs in turn: bash blocks in one
shell state (what one block exports, the next sees), python blocks with that environment.
The videos each way makes must come out as real MP4s.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.images import encode, landscape
from tests.support.servers import free_port
from tests.support.videos import video_shape

QUICKSTART = Path(__file__).resolve().parents[2] / "docs" / "quickstart.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
VIDEOS = ("curl.mp4", "sdk.mp4", "openai.mp4", "cli.mp4")


def blocks() -> list[tuple[str, str]]:
    return [(language, code) for language, code in FENCE.findall(QUICKSTART.read_text())]


@pytest.fixture
def newcomer(tmp_path: Path) -> Iterator[tuple[Path, dict[str, str], int]]:
    """A working directory with a photo, and the environment of a fresh shell with the package on PATH."""
    (tmp_path / "photo.jpg").write_bytes(encode(landscape(960, 540)))
    env = {name: value for name, value in os.environ.items() if not name.startswith("STILLMOTION_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    yield tmp_path, env, free_port()


def test_every_block_is_bash_or_python() -> None:
    languages = [language for language, _ in blocks()]
    assert set(languages) <= {"bash", "python"} and languages[0] == "bash", languages
    assert blocks()[0][1].strip() == "stillmotion serve"


def test_quickstart_runs(newcomer: tuple[Path, dict[str, str], int]) -> None:
    workdir, env, port = newcomer
    (server_block, *steps) = [(language, code.replace("127.0.0.1:8000", f"127.0.0.1:{port}"))
                              for language, code in blocks()]  # fmt: skip
    log = (workdir / "server.log").open("wb")
    server_env = {**env, "STILLMOTION_PORT": str(port), "STILLMOTION_LOG_LEVEL": "WARNING"}
    server = subprocess.Popen(server_block[1].split(), cwd=workdir, stdout=log, stderr=subprocess.STDOUT, env=server_env)
    try:
        wait_ready(f"http://127.0.0.1:{port}", server, workdir / "server.log")
        state = workdir / "shell-state.sh"
        state.write_text("")
        for number, (language, code) in enumerate(steps, start=2):
            if language == "bash":
                script = f"set -euo pipefail\nsource {state}\n{code}\nexport -p > {state}\n"
                result = subprocess.run(["bash", "-c", script], cwd=workdir, env=env, capture_output=True, text=True,
                                        timeout=300)  # fmt: skip
            else:
                shell_env = exported(state, env, workdir)
                result = subprocess.run([sys.executable, "-c", code], cwd=workdir, env=shell_env, capture_output=True,
                                        text=True, timeout=300)  # fmt: skip
            output = f"{result.stdout}\n{result.stderr}"
            assert result.returncode == 0, f"block {number} ({language}) failed:\n{code}\n{output}"
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    for name in VIDEOS:
        width, height, _rate, frames = video_shape(workdir / name)
        assert (width, height) == (1280, 720) and frames >= 24 * 3, name


def exported(state: Path, env: dict[str, str], workdir: Path) -> dict[str, str]:
    """The environment the shell blocks built up (their `export`s)."""
    dump = subprocess.run(["bash", "-c", f"source {state}; env -0"], cwd=workdir, env=env, capture_output=True,
                          check=True).stdout.decode()  # fmt: skip
    return dict(entry.split("=", 1) for entry in dump.split("\0") if "=" in entry)


def wait_ready(base_url: str, server: subprocess.Popen[bytes], log: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert server.poll() is None, log.read_text()
        try:
            if httpx.get(base_url + "/readyz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"server not ready:\n{log.read_text()}")
