"""The password login's check (Flask-free): a growing delay per account and client, and an audit entry for
every wrong password (docs/accounts.md; docs/security.md item 1).

Wrong passwords are counted for one email address *from one client* (its IP address) together: after
FREE_FAILURES of them, each further attempt from that client for that address must wait twice as long as the
last (2 s, 4 s, 8 s, … at most MAX_DELAY); attempts inside the wait are refused without the password being
checked. Nobody can lock another person out: an attacker's guesses delay only the attacker's own client,
and the owner logs in from theirs at once. The per-address-per-client count ends with a right password or a
day without wrong ones; the per-client cap over all addresses is the web layer's rate limit. Functions flush,
never commit: the caller commits a failure too, so the count and the audit entry are kept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from typing import cast

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hostico.accounts.passwords import verify_password
from hostico.audit import record as audit
from hostico.db import rowcount
from hostico.errors import N_, TranslatableError
from hostico.models import Customer, LoginThrottle, StaffUser, utcnow

FREE_FAILURES = 5  # typos: no delay before the sixth attempt
MAX_DELAY = dt.timedelta(minutes=15)
FORGET_AFTER = dt.timedelta(hours=24)  # a count with no wrong password for this long starts again
User = Customer | StaffUser


class LoginDelayed(TranslatableError):
    """Too many wrong passwords for this address from this client: wait before the next attempt."""

    code = "accounts.login_delayed"
    template = N_("Too many wrong passwords for this address from this device. Try again in %(seconds)d seconds.")


def delay_after(failures: int) -> dt.timedelta:
    """How long a client waits after its `failures`-th wrong password for one address."""
    if failures < FREE_FAILURES:
        return dt.timedelta(0)
    exponent = min(failures - FREE_FAILURES + 1, 20)
    return min(dt.timedelta(seconds=2**exponent), MAX_DELAY)


def _key(kind: str, email: str, client: str | None) -> str:
    return hashlib.sha256(f"{kind}\0{email}\0{client or ''}".encode()).hexdigest()


def wait_left(s: Session, kind: str, email: str, client: str | None, *, now: dt.datetime | None = None
              ) -> dt.timedelta:
    """How long this client must still wait before trying a password for this address (zero: try now)."""
    now = now or utcnow()
    row = s.execute(select(LoginThrottle.failures, LoginThrottle.last_failed_at)
                    .where(LoginThrottle.key_hash == _key(kind, email, client))).first()
    if row is None or now - row.last_failed_at > FORGET_AFTER:
        return dt.timedelta(0)
    waited: dt.timedelta = row.last_failed_at + delay_after(row.failures) - now
    return max(dt.timedelta(0), waited)


def _count_failure(s: Session, key: str, now: dt.datetime) -> None:
    """Add one wrong password to the count (atomically: parallel wrong passwords each count)."""
    stmt = (update(LoginThrottle).where(LoginThrottle.key_hash == key)
            .values(failures=case((LoginThrottle.last_failed_at < now - FORGET_AFTER, 1),
                                  else_=LoginThrottle.failures + 1), last_failed_at=now)
            .execution_options(synchronize_session=False))
    if rowcount(s.execute(stmt)):
        return
    try:
        with s.begin_nested():
            s.add(LoginThrottle(key_hash=key, failures=1, last_failed_at=now))
    except IntegrityError:  # another request counted the first one at the same moment
        s.execute(stmt)


def password_login(s: Session, model: type[Customer] | type[StaffUser], email: str, password: str | None, *,
                   client: str | None, now: dt.datetime | None = None) -> User | None:
    """Return the (active) user whose email and password these are, or None for a wrong password or an
    unknown address (counted and audited, the same way for both).

    Raises LoginDelayed while this client must wait for this address (the password is not checked then).
    """
    now = now or utcnow()
    kind = "staff" if model is StaffUser else "customer"
    email = (email or "").strip().lower()[:254]
    wait = wait_left(s, kind, email, client, now=now)
    if wait > dt.timedelta(0):
        raise LoginDelayed(seconds=max(1, math.ceil(wait.total_seconds())))
    user = cast("User | None", s.scalar(select(model).where(func.lower(model.email) == email)))  # one of the two
    right = verify_password(user.password_hash if user is not None else None, password or "")
    if right and user is not None and getattr(user, "active", True) and getattr(user, "closed_at", None) is None:
        s.execute(delete(LoginThrottle).where(LoginThrottle.key_hash == _key(kind, email, client)))
        return user
    _count_failure(s, _key(kind, email, client), now)
    audit(s, f"{kind}.login_failed", actor_kind="anonymous", obj=user, ip=client,
          customer_id=user.id if user is not None and kind == "customer" else None,
          data={"account": "known" if user is not None else "unknown"})
    s.flush()
    return None
