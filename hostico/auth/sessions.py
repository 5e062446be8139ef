"""Start and end sessions: every login gets a brand-new session (no fixation)."""

from __future__ import annotations

import secrets

from flask import g, request, session
from flask_login import login_user, logout_user
from flask_wtf.csrf import generate_csrf

from hostico.audit import record
from hostico.db import db


def start_session(user, *, fresh: bool = True, via: str = "password") -> None:
    """Drop everything in the current session and log the user in with a new session id."""
    session.clear()
    # A CSRF secret for the new session right away: otherwise the first pages after login each add one
    # and rewrite the session cookie. The token cached for the old session must not be served with it.
    g.pop("csrf_token", None)
    generate_csrf()
    login_user(user, fresh=fresh)
    session["sid"] = secrets.token_urlsafe(24)
    session["login_via"] = via
    session.permanent = False
    record(db.session, f"{user.kind}.login", actor_kind=user.kind, actor_id=user.id,
           customer_id=user.id if user.kind == "customer" else None, ip=request.remote_addr,
           data={"via": via})


def end_session() -> None:
    """Log out and forget everything the session held."""
    logout_user()
    session.clear()
