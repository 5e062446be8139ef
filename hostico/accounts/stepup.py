"""Step-up: re-check the password of a logged-in user before a sensitive change (Flask-free).

Every re-check in the app goes through `step_up`: confirming the password in My Details, the email and
mobile forms of a session opened by a mail link, changing the password, turning 2FA on or off. Each
attempt is audited (`<kind>.step_up_passed` / `_failed` / `_refused`, with what it was for), and the
audit log doubles as the counter: after `step_up_attempts` wrong passwords within `step_up_window`
(since the last right one), every attempt, right passwords too, is refused until the window has
passed — a session opened by a mail link cannot guess its way to the account (docs/accounts.md).
A right password makes the session fresh again. The caller commits, a refusal too (the count is kept).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from hostico.accounts import login_sessions
from hostico.accounts.passwords import verify_password
from hostico.accounts.settings import AccountSettings
from hostico.audit import record as audit
from hostico.db import for_update
from hostico.errors import N_, TranslatableError
from hostico.models import AuditLog, Customer, StaffUser, UserSession, utcnow

User = Customer | StaffUser


class StepUpError(TranslatableError):
    """The password re-check failed; nothing was changed."""


class WrongPassword(StepUpError):
    code = "accounts.wrong_password"
    template = N_("Wrong password.")


class TooManyAttempts(StepUpError):
    code = "accounts.step_up_throttled"
    template = N_("Too many wrong passwords. Try again in %(minutes)d minutes.")


def _action(user: User, outcome: str) -> str:
    return f"{user.kind}.step_up_{outcome}"


def _entries(user: User, outcome: str) -> tuple[ColumnElement[bool], ...]:
    return (AuditLog.action == _action(user, outcome), AuditLog.actor_kind == user.kind, AuditLog.actor_id == user.id)


def recent_failures(s: Session, user: User, *, settings: AccountSettings, now: dt.datetime | None = None
                    ) -> tuple[int, dt.datetime | None]:
    """Return the wrong passwords in the window since the last right one, and the time of the oldest of them."""
    now = now or utcnow()
    since = now - settings.step_up_window
    last_pass = s.scalar(select(func.max(AuditLog.at)).where(*_entries(user, "passed"), AuditLog.at > since))
    if last_pass is not None:
        since = last_pass
    count, oldest = s.execute(select(func.count(AuditLog.id), func.min(AuditLog.at))
                              .where(*_entries(user, "failed"), AuditLog.at > since)).one()
    return int(count or 0), oldest


def _lock_account(s: Session, user: User) -> None:
    """Serialise step-ups of one account so parallel guesses cannot overrun the count: a row lock on
    PostgreSQL, the database's write lock on SQLite (a no-op write of the account's row, taken before the
    count is read, so the count is current and no other step-up can interleave)."""
    model = type(user)
    s.execute(for_update(s, select(model.id).where(model.id == user.id),
                         write_lock=(model.session_epoch, [user.id])))


def step_up(s: Session, user: User, password: str | None, *, settings: AccountSettings, purpose: str,
            ip: str | None = None, session_record: UserSession | None = None, now: dt.datetime | None = None) -> None:
    """Re-check user's password for `purpose` (audited, throttled); on success the session is fresh again.

    Raises TooManyAttempts while throttled (the password is not even checked) and WrongPassword.
    """
    customer_id = user.id if user.kind == "customer" else None
    data = {"purpose": purpose[:40]}
    _lock_account(s, user)
    now = now or utcnow()  # read once the lock is held: entries are stamped in the order the lock lets them by
    failures, oldest = recent_failures(s, user, settings=settings, now=now)
    if failures >= settings.step_up_attempts:
        audit(s, _action(user, "refused"), actor_kind=user.kind, actor_id=user.id, customer_id=customer_id, ip=ip,
              data=data).at = now
        s.flush()
        wait = (oldest or now) + settings.step_up_window - now
        raise TooManyAttempts(minutes=max(1, -(-int(wait.total_seconds()) // 60)))
    if not password or not verify_password(user.password_hash, password):
        audit(s, _action(user, "failed"), actor_kind=user.kind, actor_id=user.id, customer_id=customer_id, ip=ip,
              data={**data, "attempt": failures + 1}).at = now
        s.flush()
        raise WrongPassword()
    audit(s, _action(user, "passed"), actor_kind=user.kind, actor_id=user.id, customer_id=customer_id, ip=ip,
          data=data).at = now
    if session_record is not None:
        login_sessions.mark_fresh(session_record, now)
    s.flush()
