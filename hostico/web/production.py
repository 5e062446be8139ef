"""Running in production: proxy headers, logs without secrets (gunicorn: deploy/; probes: hostico/web/health.py)."""

from __future__ import annotations

from flask import Flask

from hostico.maillogin.redact import install_log_redaction


def init_app(app: Flask) -> None:
    """Wire the production pieces into the app (each one is harmless in development)."""
    if app.config.get("PROXY_FIX"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trust exactly the configured number of proxies (nginx = 1) for client IP, scheme and host,
        # so rate limits count real client addresses and Secure cookies see https.
        hops = int(app.config["PROXY_FIX"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]
    install_log_redaction()  # the one log redaction (hostico/maillogin/redact.py)
