"""Running in production: proxy headers, logs without secrets, a health check (gunicorn: deploy/)."""

from __future__ import annotations

import logging
import re

from flask import Flask, jsonify
from sqlalchemy import text

from hostico.web.database import db
from hostico.web.security import public

# A mail-login token in a path, any query string, and secrets in `key=value` text.
_MAIL_TOKEN = re.compile(r"(/m/)[^\s/?\"']+")
_QUERY = re.compile(r"(?<=[\w/])\?[^\s\"']+")
_SECRET_VALUE = re.compile(r"(?i)\b(password|token|secret|otp|totp|csrf_token|api_key|authorization)=([^\s&\"']+)")
REDACTED = "[redacted]"


def redact(message: str) -> str:
    """Strip mail-login tokens, query strings and secret-looking values from a log line."""
    message = _QUERY.sub("?" + REDACTED, message)
    message = _SECRET_VALUE.sub(r"\1=" + REDACTED, message)
    return _MAIL_TOKEN.sub(r"\1" + REDACTED, message)


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

    factory.hostico_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)


def init_app(app: Flask) -> None:
    """Wire the production pieces into the app (each one is harmless in development)."""
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly the configured number of proxies (nginx = 1) for client IP, scheme and host,
        # so rate limits count real client addresses and Secure cookies see https.
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    install_log_redaction()
    app.add_url_rule("/healthz", "healthz", healthz)


@public
def healthz():
    """Answer 200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database error means "not healthy"
        db.session.rollback()
        logging.getLogger("hostico.production").exception("health check: database unavailable")
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
