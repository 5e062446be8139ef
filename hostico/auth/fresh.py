"""Freshness: a session opened by a mail link (or restored from a remember cookie) is not fresh, so
changing password, email, mobile number or 2FA asks for the password first."""

from __future__ import annotations

from flask import session
from flask_login import current_user, login_fresh

from hostico.accounts.passwords import verify_password


def needs_password() -> bool:
    """True when the current session must confirm the password before a sensitive change."""
    return not login_fresh()


def confirm_password(password: str | None) -> bool:
    """Check the customer's password for a sensitive change; on success the session becomes fresh."""
    if not password or not verify_password(current_user.password_hash, password):
        return False
    session["_fresh"] = True
    return True
