"""Keep mail-login tokens out of logs: request logs print the path, and the path holds the token."""

from __future__ import annotations

import logging
import re

_TOKEN_IN_PATH = re.compile(r"/m/[^\s?#\"'/]{8,}")
REDACTED = "/m/[redacted]"
# werkzeug's development server and gunicorn write the request line through these loggers.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access", "gunicorn.error")


def redact(text: str) -> str:
    """Replace every `/m/<token>` in text by `/m/[redacted]`."""
    return _TOKEN_IN_PATH.sub(REDACTED, text)


def _clean(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return tuple(_clean(v) for v in value)
    return value


class RedactTokens(logging.Filter):
    """A logging filter that masks mail-login tokens in a record's message and arguments."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if record.args:
            record.args = _clean(record.args)  # type: ignore[assignment]
        return True


def install_log_redaction(*extra_loggers: str) -> None:
    """Attach the filter (once) to the request loggers and the given app loggers."""
    for name in (*REQUEST_LOGGERS, *extra_loggers):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactTokens) for f in logger.filters):
            logger.addFilter(RedactTokens())
