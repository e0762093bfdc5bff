"""`stillmotion submit` and `stillmotion tasks ...` run as a user would, against the real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from skimage import data as skimage_data

from tests.support.images import encode
from tests.support.keyed_server import KeyedServer
from tests.support.servers import ImageHost, free_port
from tests.support.videos import video_shape


def run(server: KeyedServer, *args: str, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "STILLMOTION_SERVER": server.base_url,
           "STILLMOTION_API_KEY": key or server.keys["cli"]["api_key"], "COLUMNS": "200"}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "stillmotion", *args], env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.endswith(" submitted")]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory, photo: bytes) -> Path:
    path = tmp_path_factory.mktemp("cli") / "photo.jpg"
    path.write_bytes(photo)
    return path


def test_submit_waits_and_writes_the_video(client_server: KeyedServer, image: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    result = run(client_server, "submit", str(image), "-p", "clouds drift", "--duration", "1", "--fps", "24",
                 "--seed", "3", "--no-enhance", "-o", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert f"Wrote {out} (seed 3)." in result.stdout and "submitted" in result.stderr
    assert video_shape(out)[:2] == (1280, 720) and video_shape(out)[3] == 24


def test_submit_prints_the_engines_notes(client_server: KeyedServer, tmp_path: Path) -> None:
    """A prompt asking for what the motion engine does not render: the note says so, in the output."""
    cat = tmp_path / "cat.png"
    cat.write_bytes(encode(skimage_data.chelsea(), "PNG"))
    result = run(client_server, "submit", str(cat), "-p", "the cat blinks, slow push in", "--duration", "1",
                 "--fps", "24", "--wait")  # fmt: skip
    assert result.returncode == 0, result.stderr
    notes = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("note: ")]
    assert len(notes) == 1 and notes[0].startswith("note: 'blinks': a subject's action"), result.stdout
    task_id = result.stderr.split()[1]
    assert notes[0] in run(client_server, "tasks", "show", task_id).stdout


def test_submit_show_list_cancel(client_server: KeyedServer, image_host: ImageHost) -> None:
    submitted = run(client_server, "submit", image_host.url("/landscape.jpg"), "--duration", "6",
                    "--resolution", "1080p", "--json")  # fmt: skip
    assert submitted.returncode == 0, submitted.stderr
    task_id = json.loads(submitted.stdout)["task_id"]

    shown = run(client_server, "tasks", "show", task_id, "--json")
    assert json.loads(shown.stdout)["task_id"] == task_id
    listed = run(client_server, "tasks", "list", "--json", "--limit", "5")
    assert task_id in [json.loads(line)["task_id"] for line in listed.stdout.splitlines()]
    assert task_id in run(client_server, "tasks", "list").stdout

    assert run(client_server, "tasks", "cancel", task_id).stdout.strip() == f"Cancelled {task_id}."
    again = one_line_error(run(client_server, "tasks", "cancel", task_id))
    assert again.startswith("error 1201: ")
    text = run(client_server, "tasks", "show", task_id).stdout
    assert "TASK_FAILED" in text and "5003" in text


def test_expected_failures_are_one_line(client_server: KeyedServer, image: Path, tmp_path: Path) -> None:
    assert one_line_error(run(client_server, "submit", str(image), "--duration", "9")) == (
        "error 1000 (duration): Duration must be between 1 and 6 seconds.")
    assert one_line_error(run(client_server, "tasks", "list", key="sm_wrong")).startswith("error 1101: ")
    assert one_line_error(run(client_server, "submit", str(tmp_path / "none.jpg"))) == (
        f"error: no image file at {tmp_path / 'none.jpg'}")
    assert one_line_error(run(client_server, "tasks", "show", "nope")).startswith("error 1200: ")

    before = run(client_server, "tasks", "list", "--json").stdout
    missing = tmp_path / "missing" / "dir" / "out.mp4"
    assert one_line_error(run(client_server, "submit", str(image), "-o", str(missing))) == (
        f"error: the directory {missing.parent} does not exist")
    assert run(client_server, "tasks", "list", "--json").stdout == before  # nothing was submitted

    offline = subprocess.run([sys.executable, "-m", "stillmotion", "tasks", "list", "--server",
                              f"http://127.0.0.1:{free_port()}", "--key", "sm_x"],
                             capture_output=True, text=True, timeout=60)  # fmt: skip
    assert one_line_error(offline).startswith("error: could not reach http://127.0.0.1:")


def test_failed_task_and_wait_timeout(client_server: KeyedServer, image_host: ImageHost, image: Path) -> None:
    failed = one_line_error(run(client_server, "submit", image_host.url("/gone.jpg"), "--duration", "1", "--wait"))
    assert failed.startswith("task ") and " failed (1001): " in failed

    slow = run(client_server, "submit", str(image), "--duration", "6", "--resolution", "1080p", "--wait",
               "--timeout", "0.5")  # fmt: skip
    assert slow.returncode == 2 and "Traceback" not in slow.stderr
    task_id = slow.stderr.strip().splitlines()[-1].split()[1]
    assert f"look again with: stillmotion tasks show {task_id}" in slow.stderr
    run(client_server, "tasks", "cancel", task_id)
