"""Request ids and structured logs (Flask-free): the id of the request or job at hand, carried into every log
line, into the outbox rows written meanwhile and into the worker's log lines when it delivers them.

The web layer binds the id of each request (X-Request-ID when it is sane, else a new one:
hostico/web/observability.py); the worker binds the id stored with each message it delivers; a CLI command
binds one of its own. In production (`HOSTICO_ENV=production`) every log line is one JSON object
(docs/operations.md, Logs).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

REQUEST_ID_MAX = 64
# Letters, digits and . _ : - only: an id from a proxy or a load balancer, never text that could forge a log
# line or carry markup.
_SANE = re.compile(rf"[A-Za-z0-9._:-]{{1,{REQUEST_ID_MAX}}}")
_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("hostico_request_id", default=None)


def new_request_id(prefix: str = "") -> str:
    """A fresh random id (32 hex digits), with an optional prefix naming its origin (`run-`, `job-`); the bytes
    themselves (a uuid4 object costs 2 µs more, on every request)."""
    return prefix + os.urandom(16).hex()


def sane_request_id(value: str | None) -> str | None:
    """The id itself when it is short and plain (letters, digits, `._:-`), else None."""
    return value if value and _SANE.fullmatch(value) else None


def current_request_id() -> str | None:
    """The id of the request or job this code runs for, if any."""
    return _request_id.get()


def bind_request_id(value: str | None) -> contextvars.Token:
    """Make `value` the current id (until reset with the returned token)."""
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token) -> None:
    """Restore the id that was current before bind_request_id."""
    _request_id.reset(token)


@contextmanager
def request_id_bound(value: str | None) -> Iterator[str | None]:
    """Run a block with `value` as the current id."""
    token = bind_request_id(value)
    try:
        yield value
    finally:
        reset_request_id(token)


def install_request_id_on_records() -> None:
    """Give every log record of the process a `request_id` attribute (None outside a request or job)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "hostico_request_id", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        record.request_id = _request_id.get()
        return record

    # Keep the marks of the factories below (the log redaction's): each create_app() would otherwise install
    # the two factories on top of each other again, and a long test run ends in a RecursionError.
    factory.__dict__.update({k: v for k, v in vars(previous).items() if k.startswith("hostico_")})
    factory.hostico_request_id = True  # type: ignore[attr-defined]
    # What the wrapped factory does stays known (the log redaction), so neither is ever installed twice.
    factory.hostico_redacting = getattr(previous, "hostico_redacting", False)  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id, exception."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False)


JSON_HANDLER = "hostico-json"


class _StderrHandler(logging.StreamHandler):
    """Write to whatever sys.stderr is at the time of each record (a test runner may swap it)."""

    @property  # type: ignore[override]
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def use_json_logs(level: int = logging.INFO) -> None:
    """Send the process's log records to stderr as JSON lines (production); idempotent."""
    root = logging.getLogger()
    if any(getattr(h, "name", None) == JSON_HANDLER for h in root.handlers):
        return
    handler = _StderrHandler()
    handler.name = JSON_HANDLER
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
