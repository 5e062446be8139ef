"""Freshness: sensitive changes (password, email, mobile number, 2FA) need a password proven in this
session less than HOSTICO_FRESH_MINUTES ago. A session opened by a mail link is never fresh until the
password is re-checked; a password login stops being fresh after a few minutes."""

from __future__ import annotations

from flask import session
from flask_login import current_user, login_fresh

from hostico.accounts import sessions as user_sessions
from hostico.accounts.passwords import verify_password
from hostico.auth.sessions import current_record
from hostico.settings import settings as app_settings


def is_fresh() -> bool:
    """True when the password was proven in this session recently (server record) and flask-login agrees."""
    return login_fresh() and user_sessions.is_fresh(current_record(), fresh_for=app_settings().accounts.fresh_for)


def needs_password() -> bool:
    """True when the current session must confirm the password before a sensitive change."""
    return not is_fresh()


def mark_fresh() -> None:
    """The password was just proven: the session is fresh again for HOSTICO_FRESH_MINUTES."""
    record = current_record()
    if record is not None:
        user_sessions.mark_fresh(record)
    session["_fresh"] = True


def confirm_password(password: str | None) -> bool:
    """Check the customer's password for a sensitive change; on success the session becomes fresh."""
    if not password or not verify_password(current_user.password_hash, password):
        return False
    mark_fresh()
    return True
