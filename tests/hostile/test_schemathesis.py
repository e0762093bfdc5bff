"""Schemathesis against the live OpenAPI schema, with all of its checks (no 5xx, responses that
match the schema, negative data rejected, positive data accepted, ...), on both databases.

Allowances (schema-valid requests refused for reasons no schema states): schemathesis.toml.
Bounded: a fixed number of examples per operation and a wall-clock budget for the run
(`STILLMOTION_SCHEMATHESIS_SECONDS`, default 75 s per database), so CI stays within minutes.
The seed is fixed so a failure reproduces; set `STILLMOTION_SCHEMATHESIS_SEED` to explore."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.support.keyed_server import KeyedServer

SECONDS = os.environ.get("STILLMOTION_SCHEMATHESIS_SECONDS", "75")
CONFIG = Path(__file__).with_name("schemathesis.toml")
SEED = os.environ.get("STILLMOTION_SCHEMATHESIS_SEED", "14")


def test_schemathesis_finds_nothing(server: KeyedServer, tmp_path: Path) -> None:
    command = [
        str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(CONFIG),
        "run", server.base_url + "/openapi.json",
        "--checks", "all", "--max-examples", "12", "--max-time", SECONDS, "--seed", SEED,
        "--workers", "1", "--request-timeout", "30", "--no-color",
        "--header", f"Authorization: Bearer {server.keys['alice']['api_key']}",
        "--report", "junit", "--report-dir", str(tmp_path),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=int(SECONDS) + 240, check=False,
                          cwd=tmp_path)  # its cache directory goes there, not into the checkout
    output = done.stdout + done.stderr
    print(output[-6000:])
    assert done.returncode == 0, output[-6000:]
    assert "No issues found" in output or "passed" in output.lower(), output[-3000:]
