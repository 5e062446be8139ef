"""The templates' `csrf_token()`: Flask-WTF's signed token, reused for a minute across a session's requests.

Flask-WTF signs the session's CSRF secret anew on every request that renders a form (a timestamped HMAC,
zlib and base64: 24 µs, on every page, as the layout's logout form and htmx headers carry it). A token signed
less than REUSE_SECONDS ago for the same secret (and key) is as valid as a new one — each is accepted for
WTF_CSRF_TIME_LIMIT after its signing, so a reused one expires at most REUSE_SECONDS sooner — so the last one is
handed out again. Kept per app and per process, keyed by the session's secret; a new login gets a new secret,
hence a new token. Validation is Flask-WTF's, unchanged.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, session
from flask_wtf.csrf import generate_csrf

from hostico.caches import remember

REUSE_SECONDS = 60
CACHE_SIZE = 4096  # sessions signed for in the last minute, per process; cleared when full


def init_app(app: Flask) -> None:
    """Make the templates' `csrf_token` the reusing one (after CSRFProtect.init_app, whose processor it replaces)."""
    signed: dict[tuple[str, str], tuple[str, float]] = {}

    def csrf_token() -> str:
        name = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        if name not in g:
            secret = session.get(name)
            key = (str(current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key), str(secret))
            hit = signed.get(key) if secret is not None else None
            if hit is not None and time.monotonic() - hit[1] < REUSE_SECONDS:
                setattr(g, name, hit[0])
                return hit[0]
            token = generate_csrf()
            remember(signed, (key[0], str(session.get(name))), (token, time.monotonic()), CACHE_SIZE)
            return token
        return generate_csrf()

    app.jinja_env.globals["csrf_token"] = csrf_token
    app.context_processor(lambda: {"csrf_token": csrf_token})  # after Flask-WTF's, so this one is used
