"""How the long-running commands log: our loggers and uvicorn's through one handler and format.

`text` (the default) is for a person reading a terminal; `json` (STILLMOTION_LOG_FORMAT=json)
writes one JSON object per line, with the `extra` fields of a record (a task event's
`task_id`, `event`, `code`...) as keys, for an operator's log pipeline to parse.
"""

from __future__ import annotations

import logging.config
from typing import Any

from pythonjsonlogger.core import RESERVED_ATTRS

from stillmotion.config import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(message)s"
_OUR_LOGGERS = ("stillmotion", "uvicorn", "uvicorn.access")


def logging_config(settings: Settings) -> dict[str, Any]:
    """A `logging.config.dictConfig` dict; also uvicorn's `log_config`, which replaces its own."""
    if settings.log_format == "json":
        formatter: dict[str, Any] = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            # uvicorn adds an ANSI-coloured copy of its message to its records: not for a log pipeline.
            "reserved_attrs": [*RESERVED_ATTRS, "color_message"],
        }
    else:
        formatter = {"format": TEXT_FORMAT}
    level = settings.log_level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"main": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "main", "stream": "ext://sys.stderr"}},
        # uvicorn.error propagates to uvicorn; each of these writes once, through the one handler.
        "loggers": {name: {"handlers": ["stderr"], "level": level, "propagate": False} for name in _OUR_LOGGERS},
        # Libraries' loggers (httpx logs every request at INFO): their warnings, in the same format.
        "root": {"handlers": ["stderr"], "level": "WARNING"},
    }


def configure_logging(settings: Settings) -> None:
    """For commands that log without uvicorn (a worker): the same handler and format as `serve`."""
    logging.config.dictConfig(logging_config(settings))
