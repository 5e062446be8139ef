"""Flask's signed cookie session, remembering the cookies it has already verified.

Opening the session costs ~35 µs a request (base64, zlib, HMAC, tagged JSON), every time for the same cookie: a
logged-in browser sends the same value until the session changes. A verified value is a pure function of the
cookie and the keys it was checked with, so it is kept, keyed by both (the secret key and its fallbacks: a new
key never accepts a value checked with the old), with the moment it was signed: its age is checked against the
app's permanent_session_lifetime at every use, as itsdangerous's loads(max_age=...) does. Each request gets a
new session over its own copy of the data (a request changing its session never changes what the next one
reads). A cookie that fails the check is never kept: it is checked again, and refused again, each time.
"""

from __future__ import annotations

import copy
import time
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature

from hostico.caches import remember

CACHE_SIZE = 1024  # cookies come from clients: bounded, cleared when full
_ATOMS = frozenset((str, int, float, bool, type(None)))  # values shared safely between copies


class RememberingSessionInterface(SecureCookieSessionInterface):
    """SecureCookieSessionInterface, verifying each cookie value once per set of keys (see the module)."""

    def __init__(self) -> None:
        # (cookie value, secret key, fallbacks) -> (signed at, data, whether data is a dict of immutable values)
        self._verified: dict[tuple[Any, ...], tuple[int, Any, bool]] = {}

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        config = app.config
        secret_key = config["SECRET_KEY"]
        if not secret_key:
            return None
        name, cookies = self.get_cookie_name(app), request.cookies
        val = cookies[name] if name in cookies else None  # cookies.get raises and catches when it is absent
        if not val:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        key = (val, secret_key, *(config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._verified.get(key)
        if found is None:
            s = self.get_signing_serializer(app)
            if s is None:
                return None
            try:
                data, signed = s.loads(val, max_age=max_age, return_timestamp=True)
            except BadSignature:  # tampered, signed with another key, or expired
                return self.session_class()
            flat = type(data) is dict and all(type(value) in _ATOMS for value in data.values())
            found = remember(self._verified, key, (int(signed.timestamp()), data, flat), CACHE_SIZE)
        signed_at, data, flat = found
        age = int(time.time()) - signed_at
        if age > max_age or age < 0:  # itsdangerous's SignatureExpired
            self._verified.pop(key, None)
            return self.session_class()
        return self.session_class(dict(data) if flat else _copy(data))


def _copy(data: Any) -> Any:
    """Return data as a request may change it: a new dict, its containers (flashed messages, pending logins)
    copied."""
    if type(data) is not dict:
        return copy.deepcopy(data)
    return {name: value if type(value) in _ATOMS else copy.deepcopy(value) for name, value in data.items()}


def init_app(app: Flask) -> None:
    """Open the app's sessions through the remembering interface."""
    app.session_interface = RememberingSessionInterface()
