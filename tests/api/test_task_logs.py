"""What `serve` logs: one line per task event with its id, as JSON lines when asked to."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import create_task, wait_for_task
from tests.support.keyed_server import KeyedServer

from stillmotion.tasks.events import log_task_event


def events_by_task(log_path: Path) -> dict[str, dict[str, dict[str, Any]]]:
    """task id -> event name -> the line; every line of the log must be one JSON object."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for line in log_path.read_text().splitlines():
        record = json.loads(line)
        assert {"time", "level", "logger", "message"} <= record.keys(), record
        if "event" in record:
            found.setdefault(record["task_id"], {})[record["event"]] = record
    return found


def test_serve_logs_every_task_event_as_json_lines(tmp_path: Path, image_host: Any) -> None:
    server = KeyedServer(tmp_path, ("carol",), STILLMOTION_LOG_LEVEL="INFO", STILLMOTION_LOG_FORMAT="json")
    with server.running(), server.client_for("carol") as client:
        good = create_task(client, image_url=image_host.url("/landscape.jpg"))
        gone = create_task(client, image_url=image_host.url("/no-such-image.jpg"))
        assert wait_for_task(client, good)["status"] == "TASK_SUCCEEDED"
        assert wait_for_task(client, gone)["failure_code"] == 1001
        assert client.get("/healthz").status_code == 200
    events = events_by_task(server.log_path)

    assert set(events[good]) == {"queued", "started", "succeeded"}
    assert events[good]["queued"]["model"] == "bach-1.0-preview" and events[good]["queued"]["cost"] == 1
    succeeded = events[good]["succeeded"]
    assert succeeded["logger"] == "stillmotion.tasks" and succeeded["level"] == "INFO"
    assert 0 < succeeded["seconds"] <= succeeded["total_seconds"] + 1
    assert succeeded["message"].startswith(f"task {good} succeeded seconds=")

    failed = events[gone]["failed"]
    assert failed["code"] == 1001 and "404" in failed["reason"], failed
    # uvicorn's own lines go through the same JSON handler.
    lines = [json.loads(line) for line in server.log_path.read_text().splitlines()]
    assert any(line["logger"] == "uvicorn.error" and "Application startup complete" in line["message"]
               for line in lines)


def test_text_lines_carry_the_fields_as_key_value(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="stillmotion.tasks"):
        log_task_event("failed", "abc", code=1001, reason="Image URL answered 404.", worker=None)
    assert caplog.messages == ['task abc failed code=1001 reason="Image URL answered 404."']
    assert caplog.records[0].task_id == "abc"  # type: ignore[attr-defined]
