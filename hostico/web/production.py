"""Running in production: proxy headers, logs without secrets, a health check (gunicorn: deploy/)."""

from __future__ import annotations

import logging

from flask import Flask, jsonify
from sqlalchemy import text

from hostico.maillogin.redact import install_log_redaction
from hostico.web.database import db
from hostico.web.security import public


def init_app(app: Flask) -> None:
    """Wire the production pieces into the app (each one is harmless in development)."""
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly the configured number of proxies (nginx = 1) for client IP, scheme and host,
        # so rate limits count real client addresses and Secure cookies see https.
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    install_log_redaction()  # the one log redaction (hostico/maillogin/redact.py)
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
