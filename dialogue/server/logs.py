"""Structured logs: one JSON object a line on standard error.

A record's `fields` extra becomes keys of its line. What users said and what the bot
answered is logged only when the server runs with debugging on (see `calls.py`). Lines are
written where they are logged: handing them to a writer thread cost about a tenth of the
server's turns/s (the thread competes for the GIL on every line).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys

LOGGER = "dialogue.server"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname.lower(), "event": record.getMessage(), **getattr(record, "fields", {})}
        if record.exc_info:
            line["traceback"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def setup(level: int = logging.INFO) -> logging.Logger:
    """The server's logger, writing JSON lines to standard error (set up once per process)."""
    logger = logging.getLogger(LOGGER)
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(level)
    return logger
