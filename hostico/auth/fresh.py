"""Freshness and the password re-check (step-up) for views.

Sensitive changes (password, email, mobile number, 2FA) need a password proven in this session less
than HOSTICO_FRESH_MINUTES ago. A session opened by a mail link is never fresh until the password is
re-checked; a password login stops being fresh after a few minutes. Every re-check goes through
hostico.accounts.stepup (audited, throttled per account).
"""

from __future__ import annotations

from flask import request, session
from flask_login import current_user, login_fresh

from hostico.accounts import sessions as user_sessions
from hostico.accounts import stepup
from hostico.auth.sessions import current_record
from hostico.db import db
from hostico.i18n import error_message
from hostico.settings import settings as app_settings


def is_fresh() -> bool:
    """True when the password was proven in this session recently (server record) and flask-login agrees."""
    return login_fresh() and user_sessions.is_fresh(current_record(), fresh_for=app_settings().accounts.fresh_for)


def needs_password() -> bool:
    """True when the current session must confirm the password before a sensitive change."""
    return not is_fresh()


def step_up_args() -> dict:
    """The request's part of a domain call that re-checks the password (settings, address, session record)."""
    return {"settings": app_settings().accounts, "ip": request.remote_addr, "session_record": current_record()}


def after_step_up(err: Exception | None = None) -> str | None:
    """Finish a re-check made by a domain call: keep the count of a failure (commit), or mark the cookie fresh.

    Returns the message to show for a failure, None on success."""
    if isinstance(err, stepup.StepUpError):
        db.session.commit()  # the audit entry is the count: it must outlive this refused request
        return error_message(err)
    session["_fresh"] = True
    return None


def step_up(password: str | None, *, purpose: str) -> str | None:
    """Re-check the current user's password (audited, throttled); None when right (the session is fresh
    again), otherwise the message to show next to the password field. Commits a failure."""
    try:
        stepup.step_up(db.session, current_user._get_current_object(), password, purpose=purpose, **step_up_args())
    except stepup.StepUpError as err:
        return after_step_up(err)
    return after_step_up()
