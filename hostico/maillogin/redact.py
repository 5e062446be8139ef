"""Keep secrets out of logs: the one redaction of the code base (Flask-free).

A request's path can carry a token that logs in or confirms by itself: the mail-login link (`/m/<token>`),
the email-change confirmation (`/my-details/email/confirm/<token>`) and the links of account emails (`/a/<token>`:
password reset, sign-up confirmation, invitation); every new link of that kind adds its path to TOKEN_PATHS (and to
the nginx map). `redact()` masks those tokens, every
query string and secret-looking `key=value` text. `install_log_redaction()` applies it to every log record
of the process when it is created (the app's loggers, werkzeug's request lines); gunicorn's access log
passes its atoms through `redact()` (deploy/gunicorn.conf.py); the nginx example masks the same paths
(deploy/nginx/hostico.conf: keep TOKEN_PATHS and its map in step; tests/security/test_nginx.py checks it);
the staff outbox shows stored emails through `redact_tokens()`.
"""

from __future__ import annotations

import logging
import re

# Paths whose last segment is a secret token.
TOKEN_PATHS = ("/m/", "/my-details/email/confirm/", "/a/")
REDACTED = "[redacted]"
_TOKEN_IN_PATH = re.compile("(" + "|".join(re.escape(p) for p in TOKEN_PATHS) + r")[^\s/?#\"']+")
_QUERY = re.compile(r"(?<=[\w/])\?[^\s\"']+")
_SECRET_VALUE = re.compile(r"(?i)\b(password|token|secret|otp|totp|csrf_token|api_key|authorization)=([^\s&\"']+)")


def redact(text: str) -> str:
    """Mask path tokens (`/m/[redacted]`), query strings and secret-looking values in a log line."""
    text = _QUERY.sub("?" + REDACTED, text)
    text = _SECRET_VALUE.sub(r"\1=" + REDACTED, text)
    return redact_tokens(text)


def redact_tokens(text: str) -> str:
    """Mask only the tokens of TOKEN_PATHS (`/my-details/email/confirm/[redacted]`): how staff read a stored
    email whose link confirms by itself (/staff/outbox), the rest of the text as it is."""
    return _TOKEN_IN_PATH.sub(r"\1" + REDACTED, text)


def install_log_redaction() -> None:
    """Redact every log record of the process when it is created, whichever logger or handler it goes to."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "hostico_redacting", False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string: leave it to logging's own error report
            return record
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return record

    # Keep the marks of the factories below (the request id's, hostico/logs.py), so neither is installed twice.
    factory.__dict__.update({k: v for k, v in vars(previous).items() if k.startswith("hostico_")})
    factory.hostico_redacting = True  # type: ignore[attr-defined]
    # What the wrapped factories do stays known, so installing either again never stacks another layer.
    factory.hostico_request_id = getattr(previous, "hostico_request_id", False)  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
