"""The web hook of login sessions: the cookie's session over its server record (hostico.accounts.login_sessions).

Every login gets a brand-new cookie session (no fixation) and a new server record; every request
checks the record (load_user, run first by check_session), so logging out or revoking a session ends
it for every copy of the cookie.

Freshness and the password re-check (step-up) for views: sensitive changes (password, email, mobile
number, 2FA) need a password proven in this session less than HOSTICO_FRESH_MINUTES ago. A session
opened by a mail link is never fresh until the password is re-checked; a password login stops being
fresh after a few minutes. Every re-check goes through hostico.accounts.stepup (audited, throttled per
account).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import g, request, session
from flask_login import current_user, login_fresh, login_user, logout_user
from flask_wtf.csrf import generate_csrf

from hostico.accounts import login_sessions, stepup
from hostico.audit import entry_values
from hostico.models import UserSession, utcnow
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.i18n import error_message
from hostico.web.security import is_sessionless_endpoint

SID_KEY = "sid"
RECORD_KEY = "user_session"  # the current request's UserSession, in flask.g


def client_ip() -> str | None:
    return request.remote_addr


def current_record() -> UserSession | None:
    """The server record of the current request's session (None when not logged in)."""
    return g.get(RECORD_KEY)


def start_session(user, *, fresh: bool = True, via: str = "password", mail_link_id: int | None = None,
                  with_update=None, audit_entries: Sequence[dict[str, Any]] = ()) -> None:
    """Drop everything in the current session and log the user in with a new session id and record.

    The login is audited (`customer.login` / `staff.login`, naming the session), with `audit_entries`
    (hostico.audit.entry_values) after it: written with the session record, in one statement on PostgreSQL."""
    old = current_record()
    if old is not None:
        login_sessions.revoke(db.session, old, reason="replaced")  # the abandoned cookie must not live on
    session.clear()
    # A CSRF secret for the new session right away: otherwise the first pages after login each add one
    # and rewrite the session cookie. The token cached for the old session must not be served with it.
    g.pop("csrf_token", None)
    generate_csrf()
    login = entry_values(f"{user.kind}.login", actor_kind=user.kind, actor_id=user.id,
                         customer_id=user.id if user.kind == "customer" else None, ip=client_ip(), data={"via": via})
    rec, raw = login_sessions.create(db.session, user, via="maillink" if mail_link_id else "password", fresh=fresh,
                                    ip=client_ip(), user_agent=request.user_agent.string,
                                    mail_link_id=mail_link_id, with_update=with_update,
                                    audit_entries=[login, *audit_entries])
    login_user(user, fresh=fresh)
    session[SID_KEY] = raw
    session["login_via"] = via
    session.permanent = False
    setattr(g, RECORD_KEY, rec)


def end_session(reason: str = "logout") -> None:
    """Log out: revoke the server record (every copy of the cookie dies) and forget the cookie session; a
    logout is audited (`customer.logout` / `staff.logout`).

    The caller commits."""
    rec = current_record()
    if rec is not None:
        if reason == "logout" and current_user.is_authenticated:
            login_sessions.logged_out(db.session, current_user._get_current_object(), rec, ip=client_ip())
        login_sessions.revoke(db.session, rec, reason=reason)
        setattr(g, RECORD_KEY, None)
    logout_user()
    session.clear()


def load_user(user_id: str):
    """flask-login's user loader: the user of the cookie, only while its server record is live."""
    found = None
    try:
        kind, pk = user_id.split(":")[:2]
        kind = {"c": "customer", "s": "staff"}[kind]
        found = login_sessions.load(db.session, session.get(SID_KEY), kind=kind, user_id=int(pk),
                                    limits=app_settings().accounts.session_limits(kind))
    except (ValueError, KeyError, AttributeError):
        pass
    if found is None:
        # Logged out elsewhere, revoked, idle too long, past its lifetime, or a cookie from before server-side
        # sessions.
        session.clear()
        g.session_ended = True
        return None
    user, rec = found
    setattr(g, RECORD_KEY, rec)
    if login_sessions.touch(rec, ip=client_ip(), now=utcnow()):
        with db.get().allow_one_write():  # one UPDATE: it needs no transaction in a request that reads only
            db.session.commit()  # at the start of the request (check_session): nothing else is pending yet
    return user


def check_session():
    """before_request: load the user (and check the server record) before any view or other hook runs."""
    if is_sessionless_endpoint(request.endpoint):
        return None  # a probe or a scrape: no session record is read, whatever cookie came along
    if "_user_id" in session:
        _ = current_user.is_authenticated  # runs load_user now, not in the middle of a view
    return None


# --- freshness and step-up ------------------------------------------------------------------------
def is_fresh() -> bool:
    """True when the password was proven in this session recently (server record) and flask-login agrees."""
    return login_fresh() and login_sessions.is_fresh(current_record(), fresh_for=app_settings().accounts.fresh_for)


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
