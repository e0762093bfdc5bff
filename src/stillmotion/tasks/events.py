"""One log line per thing that happens to a task, each with the task id.

queued (the API stored it), started (a worker claimed it), succeeded (with its render time
and its time since creation), failed (with its code and reason), cancelled. In text logs the
fields follow the event as key=value; in JSON logs they are keys of the line's object.
"""

from __future__ import annotations

import json
import logging

log = logging.getLogger("stillmotion.tasks")


def _text(value: object) -> str:
    return json.dumps(value) if isinstance(value, str) and (" " in value or not value) else str(value)


def log_task_event(event: str, task_id: str, **fields: object) -> None:
    """`fields` with a None value are left out; the rest go in the line and the JSON keys."""
    present = {name: value for name, value in fields.items() if value is not None}
    details = "".join(f" {name}={_text(value)}" for name, value in present.items())
    log.info("task %s %s%s", task_id, event, details, extra={"event": event, "task_id": task_id, **present})
