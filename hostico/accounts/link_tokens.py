"""The links account emails carry (password reset, sign-up confirmation, invitation): record, check, use, revoke.

A link is recorded (`create`) when its email is queued; the outbox worker makes its token when it sends the email
(hostico.notify.account_links) and only the token's SHA-256 is stored. `find_live` answers the same way for an
unknown, forged, expired, used or revoked token and for one of another purpose or kind of account
(`InvalidAccountLink`, its reason for the audit log only); `use` burns a single-use link atomically, so two
requests racing with one link never both pass (docs/accounts.md). Functions flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from sqlalchemy import ColumnElement, Table, func, select, update
from sqlalchemy.orm import Session

from hostico.audit import record as audit
from hostico.db import rowcount
from hostico.errors import N_, TranslatableError
from hostico.models import AccountToken, Customer, StaffUser, utcnow
from hostico.notify.account_links import hash_token

MAX_TOKEN_LENGTH = 200
User = Customer | StaffUser


class InvalidAccountLink(TranslatableError):
    """The link cannot be used. `reason` is for the audit log only, never for the visitor."""

    code = "accounts.link_invalid"
    template = N_("This link is no longer valid. It may have expired or been used already.")

    def __init__(self, reason: str = "invalid") -> None:
        super().__init__()
        self.reason = reason


def _owner_filter(user: User) -> ColumnElement[bool]:
    if isinstance(user, StaffUser):
        return AccountToken.staff_id == user.id
    return AccountToken.customer_id == user.id


def create(s: Session, purpose: str, user: User, *, valid_minutes: int, ip: str | None = None,
           now: dt.datetime | None = None) -> AccountToken:
    """Record a link for user's next account email (its token is made when the email is sent)."""
    is_staff = isinstance(user, StaffUser)
    record = AccountToken(purpose=purpose, customer_id=None if is_staff else user.id,
                          staff_id=user.id if is_staff else None, valid_minutes=valid_minutes,
                          ip=(ip or "")[:45] or None, created_at=now or utcnow())
    s.add(record)
    s.flush()
    return record


def count_recent(s: Session, purpose: str, user: User, *, since: dt.datetime) -> int:
    """How many links of this purpose were recorded for user since a time (the per-account throttle)."""
    return s.scalar(select(func.count(AccountToken.id)).where(
        AccountToken.purpose == purpose, _owner_filter(user), AccountToken.created_at > since)) or 0


def _as_utc(when: dt.datetime) -> dt.datetime:
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when


def peek(s: Session, token: str | None, *, now: dt.datetime | None = None) -> AccountToken:
    """Return the record of a live link, whatever its purpose (following it: which page it leads to)."""
    if not token or not isinstance(token, str) or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidAccountLink("malformed")
    record = s.scalar(select(AccountToken).where(AccountToken.token_hash == hash_token(token)))
    if record is None:
        raise InvalidAccountLink("unknown")
    if record.used_at is not None:
        raise InvalidAccountLink("used")
    if record.revoked_at is not None:
        raise InvalidAccountLink("revoked")
    if record.expires_at is None or _as_utc(now or utcnow()) >= _as_utc(record.expires_at):
        raise InvalidAccountLink("expired")
    return record


def refused(s: Session, err: InvalidAccountLink, *, ip: str | None = None) -> None:
    """Audit a link that could not be followed (its reason, never the token)."""
    audit(s, "account_link.refused", actor_kind="anonymous", ip=ip, data={"reason": err.reason})
    s.flush()


def find_live(s: Session, token: str | None, *, purpose: str, kind: str,
              now: dt.datetime | None = None) -> AccountToken:
    """Return the record of a live link of this purpose for this kind of account ('customer' or 'staff')."""
    record = peek(s, token, now=now)
    if record.purpose != purpose or record.owner_kind != kind:
        raise InvalidAccountLink("other_purpose")
    return record


def owner(s: Session, record: AccountToken) -> User:
    """The account a link opens."""
    user: User | None = (s.get(Customer, record.customer_id) if record.customer_id is not None
                         else s.get(StaffUser, record.staff_id))
    if user is None:
        raise InvalidAccountLink("unknown")
    return user


def use(s: Session, record: AccountToken, *, now: dt.datetime | None = None) -> None:
    """Burn a single-use link; InvalidAccountLink("used") when another request burnt it first."""
    table = cast(Table, AccountToken.__table__)
    result = s.execute(update(table).where(table.c.id == record.id, table.c.used_at.is_(None),
                                           table.c.revoked_at.is_(None)).values(used_at=now or utcnow()))
    if rowcount(result) != 1:
        raise InvalidAccountLink("used")
    s.expire(record, ["used_at"])


def revoke(s: Session, user: User, purpose: str, *, reason: str, now: dt.datetime | None = None) -> int:
    """Revoke user's unused links of a purpose (a password set another way, a newer invitation); return how many."""
    result = s.execute(update(AccountToken).where(
        AccountToken.purpose == purpose, _owner_filter(user), AccountToken.used_at.is_(None),
        AccountToken.revoked_at.is_(None)).values(revoked_at=now or utcnow(), revoked_reason=reason[:40])
        .execution_options(synchronize_session=False))
    return rowcount(result)
