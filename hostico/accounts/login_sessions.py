"""Server-side sessions (Flask-free): one record per login, checked on every request, revocable.

The cookie carries a random id; the record stores its SHA-256. A session is over when its record is
revoked (logout, credential change, staff action, revoked mail link), unknown, unused for the
configured idle time, or older than the absolute lifetime of its kind (SessionLimits: customers 30 days,
staff 12 hours however busy; docs/accounts.md). Functions flush, never commit: the caller commits once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Insert,
    Integer,
    Select,
    String,
    Table,
    Update,
    bindparam,
    func,
    insert,
    select,
    union_all,
    update,
)
from sqlalchemy import cast as sa_cast
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import InstrumentedAttribute, Session, make_transient_to_detached

from hostico.accounts.settings import SessionLimits
from hostico.audit import record as audit
from hostico.db import rowcount
from hostico.models import AuditLog, Customer, StaffUser, UserSession, utcnow

TOUCH_EVERY = dt.timedelta(seconds=60)  # last_seen_at is written at most this often (not on every request)
User = Customer | StaffUser


def hash_session_id(raw: str) -> str:
    """Return the stored form of a cookie's session id."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def _owner_column(kind: str) -> InstrumentedAttribute[int | None]:
    if kind == "customer":
        return UserSession.customer_id
    if kind == "staff":
        return UserSession.staff_id
    raise ValueError(f"unknown session kind {kind!r}")


_SESSION_VALUES = ("kind", "customer_id", "staff_id", "token_hash", "via", "mail_link_id", "created_at", "last_seen_at",
                   "fresh_at", "ip", "user_agent")


_AUDIT_VALUES = ("at", "actor_kind", "actor_id", "action", "object_type", "object_id", "customer_id", "ip")


def _session_insert() -> Insert:
    """The INSERT of a session record, its values bound by name (session_<column>)."""
    table = cast(Table, UserSession.__table__)
    # Bind names that are no column name: an UPDATE given parameters named like its table's columns sets them.
    return insert(table).values({name: bindparam(f"session_{name}", type_=table.c[name].type)
                                 for name in _SESSION_VALUES})


@lru_cache(maxsize=16)
def _insert_statement(with_update: Update | None, audited: int) -> Insert | Select[Any]:
    """The statement that opens a session on PostgreSQL, returning its id: the INSERT of the record, with
    `with_update` (a cached statement with its own bind names) and the INSERT of `audited` audit entries as
    data-modifying CTEs, so a login, its audit entries and a mail-login link's use count cost one round trip.
    Each entry's values are bound as audit_<n>_<column>; its data gains the new session's id ("session").
    Built once per shape: it runs on every login and on every click of a mail-login link, and SQLAlchemy builds
    a statement slower than it runs it."""
    statement: Insert | Select[Any] = _session_insert().returning(cast(Table, UserSession.__table__).c.id)
    if audited:
        opened = statement.cte("opened_session")
        audit = cast(Table, AuditLog.__table__)
        entries = [
            select(*[bindparam(f"audit_{n}_{name}", type_=audit.c[name].type) for name in _AUDIT_VALUES],
                   sa_cast(sa_cast(bindparam(f"audit_{n}_data", type_=audit.c.data.type), JSONB)
                           .op("||")(func.jsonb_build_object("session", opened.c.id)), audit.c.data.type))
            .select_from(opened)
            for n in range(audited)
        ]
        rows = entries[0] if audited == 1 else union_all(*entries)
        audit_cte = insert(audit).from_select([*_AUDIT_VALUES, "data"], rows).cte("audited")
        statement = select(opened.c.id).add_cte(audit_cte)
    if with_update is not None:
        statement = statement.add_cte(with_update.cte("with_update"))
    return statement


def create(s: Session, user: User, *, via: str = "password", fresh: bool = True, ip: str | None = None,
           user_agent: str | None = None, mail_link_id: int | None = None,
           with_update: tuple[Update, dict[str, Any]] | None = None,
           audit_entries: Sequence[dict[str, Any]] = (),
           now: dt.datetime | None = None) -> tuple[UserSession, str]:
    """Open a session for user; return the record and the raw id to put in the cookie (never stored).

    with_update: an UPDATE that belongs with the new session (the use count of the mail-login link that opened
    it), as a statement built once with bind parameters and the values of this call. audit_entries: entries
    (hostico.audit.entry_values) that describe the login, in order, dated with the session; each one's data gains
    the session's id ("session").
    On PostgreSQL all of it travels in one statement, as data-modifying CTEs (each run once, to completion,
    whether or not the statement reads it): a click on a mail-login link costs two round trips fewer. Elsewhere
    the statements run one after the other. The record is written by a Core INSERT and joins the session as
    already persistent (no unit-of-work flush, nothing read back)."""
    now = now or utcnow()
    raw = secrets.token_urlsafe(32)
    values: dict[str, Any] = dict(
        kind=user.kind, customer_id=user.id if user.kind == "customer" else None,
        staff_id=user.id if user.kind == "staff" else None, token_hash=hash_session_id(raw),
        via="maillink" if mail_link_id is not None or via == "maillink" else "password",
        mail_link_id=mail_link_id, created_at=now, last_seen_at=now, fresh_at=now if fresh else None,
        ip=(ip or "")[:45] or None, user_agent=(user_agent or "")[:255] or None,
    )
    params = {f"session_{name}": value for name, value in values.items()}
    audit_entries = [{**entry, "at": now} for entry in audit_entries]
    if s.get_bind().dialect.name == "postgresql":
        if with_update is not None:
            params.update(with_update[1])
        for n, entry in enumerate(audit_entries):
            params.update({f"audit_{n}_{name}": value for name, value in entry.items()})
            params[f"audit_{n}_data"] = entry["data"] or {}
        new_id = s.execute(_insert_statement(with_update[0] if with_update is not None else None,
                                             len(audit_entries)), params).scalar_one()
    else:
        if with_update is not None:
            s.execute(*with_update)
        new_id = s.execute(_insert_statement(None, 0), params).scalar_one()
        if audit_entries:
            s.execute(insert(AuditLog), [{**entry, "data": {**(entry["data"] or {}), "session": new_id}}
                                         for entry in audit_entries])
    record = UserSession(id=new_id, revoked_at=None, revoked_reason=None, **values)
    make_transient_to_detached(record)  # every column set: nothing is expired, nothing is read back
    s.add(record)
    return record, raw


def _live(seen_after: Any, created_after: Any) -> tuple[ColumnElement[bool], ...]:
    """What makes a record live: not revoked, used after seen_after and opened after created_after (times, or
    bind parameters for them)."""
    return (UserSession.revoked_at.is_(None), UserSession.last_seen_at > seen_after,
            UserSession.created_at > created_after)


def _active(now: dt.datetime, limits: SessionLimits) -> tuple[ColumnElement[bool], ...]:
    return _live(now - limits.idle, now - limits.max_age)


def find_active(s: Session, raw: str | None, *, kind: str, user_id: int, limits: SessionLimits,
                now: dt.datetime | None = None) -> UserSession | None:
    """Return the live record of a cookie's session id for this user, or None (unknown, revoked, idle, too old)."""
    if not raw or not isinstance(raw, str) or len(raw) > 200:
        return None
    now = now or utcnow()
    return s.scalar(select(UserSession).where(UserSession.token_hash == hash_session_id(raw),
                                              UserSession.kind == kind, _owner_column(kind) == user_id,
                                              *_active(now, limits)))


@lru_cache(maxsize=2)
def _load_statement(kind: str) -> Select[Any, UserSession]:
    """The statement of load() for one kind of user, built once (it runs before every logged-in request)."""
    model = Customer if kind == "customer" else StaffUser
    return (select(model, UserSession).join(UserSession, _owner_column(kind) == model.id)
            .where(model.id == bindparam("user_id", type_=Integer),
                   UserSession.token_hash == bindparam("token_hash", type_=String),
                   UserSession.kind == kind,
                   *_live(bindparam("seen_after", type_=UserSession.last_seen_at.type),
                          bindparam("created_after", type_=UserSession.created_at.type))))


def load(s: Session, raw: str | None, *, kind: str, user_id: int, limits: SessionLimits,
         now: dt.datetime | None = None) -> tuple[User, UserSession] | None:
    """Return the user and the live record of a cookie's session id in one query, or None."""
    if not raw or not isinstance(raw, str) or len(raw) > 200:
        return None
    now = now or utcnow()
    row = s.execute(_load_statement(kind), {"user_id": user_id, "token_hash": hash_session_id(raw),
                                            "seen_after": now - limits.idle,
                                            "created_after": now - limits.max_age}).first()
    return (row[0], row[1]) if row is not None else None


def touch(record: UserSession, *, ip: str | None = None, now: dt.datetime | None = None) -> bool:
    """Note that the session was used; return True when the record changed (written at most once a minute)."""
    now = now or utcnow()
    if now - record.last_seen_at < TOUCH_EVERY:
        return False
    record.last_seen_at = now
    if ip:
        record.ip = ip[:45]
    return True


def mark_fresh(record: UserSession, now: dt.datetime | None = None) -> None:
    """The password was just proven in this session."""
    record.fresh_at = now or utcnow()


def is_fresh(record: UserSession | None, *, fresh_for: dt.timedelta, now: dt.datetime | None = None) -> bool:
    """True when the password was proven in this session less than fresh_for ago."""
    if record is None or record.fresh_at is None:
        return False
    return (now or utcnow()) - record.fresh_at < fresh_for


def _revoke(s: Session, *where: ColumnElement[bool], reason: str, now: dt.datetime | None) -> int:
    result = s.execute(update(UserSession).where(UserSession.revoked_at.is_(None), *where)
                       .values(revoked_at=now or utcnow(), revoked_reason=reason[:40])
                       .execution_options(synchronize_session="fetch"))
    return rowcount(result)


def revoke(s: Session, record: UserSession, *, reason: str, now: dt.datetime | None = None) -> bool:
    """End one session; False if it was already over."""
    return _revoke(s, UserSession.id == record.id, reason=reason, now=now) == 1


def revoke_one(s: Session, user: User, session_id: int, *, reason: str, now: dt.datetime | None = None) -> bool:
    """End one of user's sessions by its record id (scoped to the user); False if not theirs or already over."""
    return _revoke(s, UserSession.id == session_id, UserSession.kind == user.kind,
                   _owner_column(user.kind) == user.id, reason=reason, now=now) == 1


def revoke_all(s: Session, user: User, *, reason: str, keep: UserSession | None = None,
               now: dt.datetime | None = None) -> int:
    """End every session of user except keep (the current one, if any); return how many ended.

    The one rule for "a credential changed" and "end sessions": it also ends half-finished logins
    (a password step waiting for its 2FA code carries the user's session_epoch).
    """
    where = [UserSession.kind == user.kind, _owner_column(user.kind) == user.id]
    if keep is not None:
        where.append(UserSession.id != keep.id)
    count = _revoke(s, *where, reason=reason, now=now)
    user.session_epoch = (user.session_epoch or 0) + 1
    s.flush()
    return count


def revoke_opened_by_links(s: Session, link_ids: Iterable[int], *, reason: str,
                           now: dt.datetime | None = None) -> int:
    """End the sessions that the given mail-login links opened; return how many ended."""
    ids = list(link_ids)
    if not ids:
        return 0
    return _revoke(s, UserSession.mail_link_id.in_(ids), reason=reason, now=now)


def logged_out(s: Session, user: User, record: UserSession, *, ip: str | None = None) -> None:
    """Audit a logout (`customer.logout` / `staff.logout`; the web layer then revokes the session's record)."""
    audit(s, f"{user.kind}.logout", actor_kind=user.kind, actor_id=user.id, obj=user, ip=ip,
          customer_id=user.id if user.kind == "customer" else None, data={"session": record.id})
    s.flush()


def end_own_session(s: Session, customer: Customer, session_id: int, *, ip: str | None = None) -> bool:
    """A customer ends one of their other sessions (audited); False if not theirs or already over."""
    if not revoke_one(s, customer, session_id, reason="customer"):
        return False
    audit(s, "customer.session_ended", actor_kind="customer", actor_id=customer.id, object_type="UserSession",
          object_id=session_id, customer_id=customer.id, ip=ip)
    return True


def end_customer_sessions(s: Session, customer: Customer, *, actor_kind: str, actor_id: int, reason: str,
                          keep: UserSession | None = None, ip: str | None = None) -> int:
    """End the customer's sessions but keep (the customer asking, or staff), audited; return how many ended."""
    count = revoke_all(s, customer, reason=reason, keep=keep)
    audit(s, "customer.sessions_ended", actor_kind=actor_kind, actor_id=actor_id, obj=customer,
          customer_id=customer.id, ip=ip, data={"count": count})
    return count


def list_active(s: Session, user: User, *, limits: SessionLimits,
                now: dt.datetime | None = None) -> Sequence[UserSession]:
    """Return user's live sessions, most recently used first."""
    now = now or utcnow()
    return s.scalars(select(UserSession).where(UserSession.kind == user.kind, _owner_column(user.kind) == user.id,
                                               *_active(now, limits))
                     .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())).all()


def count_active(s: Session, user: User, *, limits: SessionLimits, now: dt.datetime | None = None) -> int:
    """Count user's live sessions."""
    return len(list_active(s, user, limits=limits, now=now))
