"""Outbox state transitions: claim due messages, record the outcome, cancel, retry.

pending --claim--> sending --ok--> sent
                          --temporary failure--> pending (backoff) ... --last attempt--> dead
                          --permanent failure--> dead
A `sending` row whose claim is older than the timeout belongs to a crashed worker and is claimed again.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    String,
    Table,
    Update,
    and_,
    bindparam,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from hostico.audit import record as audit
from hostico.db import for_update, rowcount
from hostico.models import OutboxMessage, utcnow
from hostico.models.outbox import Channel, DeliveryStatus, OutboxStatus
from hostico.notify.schedule import next_sms_time
from hostico.notify.settings import NotifySettings

T = OutboxMessage


def claim_due(session: Session, *, now: dt.datetime, worker_id: str, limit: int, claim_timeout: float) -> list[int]:
    """Mark up to `limit` due messages `sending` for this worker and return their ids (caller commits).

    PostgreSQL: the candidate rows are locked with FOR UPDATE SKIP LOCKED, so parallel workers take
    disjoint batches without waiting. SQLite: the single UPDATE holds the database's write lock.
    """
    stale = now - dt.timedelta(seconds=claim_timeout)
    due = or_(
        and_(T.status == OutboxStatus.PENDING, T.next_attempt_at <= now),
        and_(T.status == OutboxStatus.SENDING, T.claimed_at < stale),
    )
    candidates = select(T.id).where(due).order_by(T.next_attempt_at, T.id).limit(limit)
    candidates = for_update(session, candidates, skip_locked=True)
    # A materialised CTE runs the locking SELECT exactly once. As a plain `IN (subquery)` PostgreSQL
    # may re-run it for each row it updates, and each run then finds the next unclaimed rows, so one
    # worker claimed every due message whatever the limit.
    claimable = candidates.cte("claimable").prefix_with("MATERIALIZED", dialect="postgresql")
    stmt = (
        update(T)
        .where(T.id.in_(select(claimable.c.id)), due)
        .values(status=OutboxStatus.SENDING, claimed_by=worker_id, claimed_at=now, attempts=T.attempts + 1)
        .returning(T.id)
        .execution_options(synchronize_session=False)
    )
    return sorted(session.scalars(stmt).all())


def backoff_seconds(attempts: int, settings: NotifySettings, rng: random.Random | None = None) -> float:
    """Exponential backoff with full jitter in its upper half: base * 2^(n-1), capped."""
    draw = rng.random if rng is not None else random.random
    ceiling: float = min(settings.retry_max_seconds, settings.retry_base_seconds * 2 ** max(0, attempts - 1))
    return max(1.0, ceiling / 2 + draw() * ceiling / 2)


def _owned(msg_id: int, worker_id: str) -> ColumnElement[bool]:
    return and_(T.id == msg_id, T.status == OutboxStatus.SENDING, T.claimed_by == worker_id)


@dataclass(frozen=True)
class Sent:
    """A message the provider or SMTP server accepted, to be recorded."""

    id: int
    provider_id: str | None
    at: dt.datetime  # when it was accepted


@lru_cache(maxsize=64)
def _mark_sent_statement(sms: bool, rows: int) -> Update:
    """mark_sent's UPDATE for `rows` messages, built once per kind and size (SQLAlchemy builds a statement slower
    than PostgreSQL runs it; a VALUES construct would be built again at every call, it cannot be cached): the
    accepted messages as a UNION ALL of one-row SELECTs joined to the table. Its bind names are no column names: an
    UPDATE given parameters named like its table's columns would SET them too."""
    table = cast(Table, T.__table__)
    at_type = table.c.sent_at.type
    given = union_all(*[
        select(bindparam(f"p_id_{n}", type_=Integer).label("p_id"),
               bindparam(f"p_provider_id_{n}", type_=String).label("p_provider_id"),
               bindparam(f"p_at_{n}", type_=at_type).label("p_at"))
        for n in range(rows)]).cte("accepted")
    changes: dict[str, object] = {"status": OutboxStatus.SENT, "sent_at": given.c.p_at, "last_error": None,
                                  "provider_message_id": given.c.p_provider_id}
    if sms:
        changes.update(delivery_provider=bindparam("p_backend", type_=String), delivery_status=DeliveryStatus.SENT,
                       delivery_at=given.c.p_at)
    return (update(table).values(changes)
            .where(table.c.id == given.c.p_id, table.c.status == OutboxStatus.SENDING,
                   table.c.claimed_by == bindparam("p_worker", type_=String))
            .returning(table.c.id))


def mark_sent(session: Session | Connection, sent: Sequence[Sent], worker_id: str, *,
              sms_backend: str | None = None) -> set[int]:
    """Record deliveries of one kind in one statement; return the ids recorded (one missing had lost its claim:
    another worker took it over after a timeout).

    SMS (`sms_backend` given) also become `sent` for the delivery receipts (hostico/notify/receipts.py)."""
    if not sent:
        return set()
    params: dict[str, object] = {"p_worker": worker_id}
    for n, one in enumerate(sent):
        params.update({f"p_id_{n}": one.id, f"p_provider_id_{n}": (one.provider_id or "")[:120] or None,
                       f"p_at_{n}": one.at})
    if sms_backend:
        params["p_backend"] = sms_backend[:10]
    return set(session.execute(_mark_sent_statement(bool(sms_backend), len(sent)), params).scalars())


def mark_dead(session: Session | Connection, msg_id: int, worker_id: str, *, error: str) -> bool:
    """Give up on a message (permanent error, or the last attempt failed)."""
    result = session.execute(
        update(T).where(_owned(msg_id, worker_id)).values(status=OutboxStatus.DEAD, last_error=error[:2000])
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def mark_retry(session: Session | Connection, msg_id: int, worker_id: str, *, channel: str, attempts: int, error: str,
               now: dt.datetime, settings: NotifySettings, retry_after: float | None = None) -> str:
    """Schedule another attempt after a backoff, or mark dead after the last one; return the new status."""
    if attempts >= settings.max_attempts:
        mark_dead(session, msg_id, worker_id, error=f"{error} (gave up after {attempts} attempts)")
        return OutboxStatus.DEAD
    delay = max(backoff_seconds(attempts, settings), retry_after or 0)
    when = now + dt.timedelta(seconds=min(delay, max(settings.retry_max_seconds, retry_after or 0)))
    if channel == Channel.SMS:
        when = next_sms_time(when, settings.sms_hours, settings.timezone)  # never outside the SMS window
    session.execute(
        update(T).where(_owned(msg_id, worker_id))
        .values(status=OutboxStatus.PENDING, next_attempt_at=when, last_error=error[:2000], claimed_at=None)
        .execution_options(synchronize_session=False)
    )
    return OutboxStatus.PENDING


def cancel_pending_sms(session: Session, customer_id: int) -> int:
    """Cancel every SMS of a customer not yet handed to a worker (opt-out); return how many."""
    result = session.execute(
        update(T).where(T.customer_id == customer_id, T.channel == Channel.SMS, T.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, last_error="customer turned SMS off")
        .execution_options(synchronize_session=False)
    )
    return rowcount(result)


def retry_dead(session: Session, msg: OutboxMessage, *, settings: NotifySettings,
               now: dt.datetime | None = None, staff_id: int | None = None, ip: str | None = None) -> None:
    """Put a dead message back in the queue with a fresh set of attempts (its content is kept); audited when
    staff ask (staff_id)."""
    if msg.status != OutboxStatus.DEAD:
        raise ValueError("only dead messages can be retried")
    if staff_id is not None:
        audit(session, "outbox.retried", actor_kind="staff", actor_id=staff_id, obj=msg, customer_id=msg.customer_id,
              ip=ip, data={"last_error": msg.last_error})
    now = now or utcnow()
    msg.status = OutboxStatus.PENDING
    msg.attempts = 0
    msg.claimed_at = None
    msg.claimed_by = None
    sms = msg.channel == Channel.SMS
    msg.next_attempt_at = next_sms_time(now, settings.sms_hours, settings.timezone) if sms else now
    session.flush()
