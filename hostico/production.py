"""Running in production: proxy headers, logs without secrets, a health check (gunicorn: deploy/)."""

from __future__ import annotations

import logging
import re

from flask import Flask, jsonify
from sqlalchemy import text

from hostico.db import db
from hostico.security import public

# A mail-login token in a path, any query string, and secrets in `key=value` text.
_MAIL_TOKEN = re.compile(r"(/m/)[^\s/?\"']+")
_QUERY = re.compile(r"\?[^\s\"']*")
_SECRET_VALUE = re.compile(r"(?i)\b(password|passwd|token|secret|code|csrf_token|api_key|authorization)=([^\s&\"']+)")
REDACTED = "[redacted]"


def redact(message: str) -> str:
    """Strip mail-login tokens, query strings and secret-looking values from a log line."""
    message = _MAIL_TOKEN.sub(r"\1" + REDACTED, message)
    message = _SECRET_VALUE.sub(r"\1=" + REDACTED, message)
    return _QUERY.sub("?" + REDACTED, message)


class RedactingFilter(logging.Filter):
    """A logging filter that redacts every record's final message (see redact())."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


def init_app(app: Flask) -> None:
    """Wire the production pieces into the app (each one is harmless in development)."""
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly the configured number of proxies (nginx = 1) for client IP, scheme and host,
        # so rate limits count real client addresses and Secure cookies see https.
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    redacting = RedactingFilter()
    for name in (app.logger.name, "werkzeug", "gunicorn.error", "flask_limiter", "flask_wtf.csrf"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(redacting)
    app.add_url_rule("/healthz", "healthz", healthz)


@public
def healthz():
    """Answer 200 when the database answers, 503 otherwise (for load balancers and monitoring)."""
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any database error means "not healthy"
        db.session.rollback()
        logging.getLogger(__name__).exception("health check: database unavailable")
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")
