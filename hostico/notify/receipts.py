"""SMS delivery receipts (docs/sms.md, Delivery receipts): what the provider says became of an SMS it accepted.

Each SMS the provider accepted is `sent`; a receipt moves it on to `delivered`, `failed` or `undelivered`, with
the time and the provider's code, once: the first final state is kept, so a receipt delivered again, or one that
arrives after a later one, changes nothing. A receipt for a message id nobody sent is ignored. A suspension SMS
that failed is followed by an email to the customer saying so (once: its dedupe key names the SMS).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Connection, or_, select, update
from sqlalchemy.orm import Session

from hostico.db import rowcount
from hostico.models import Customer, OutboxMessage, Service
from hostico.models.outbox import Channel, DeliveryStatus
from hostico.notify.events import notify
from hostico.notify.settings import NotifySettings

T = OutboxMessage
SENT, DELIVERED = DeliveryStatus.SENT, DeliveryStatus.DELIVERED
FAILED, UNDELIVERED = DeliveryStatus.FAILED, DeliveryStatus.UNDELIVERED
DELIVERY_STATES = tuple(DeliveryStatus)
FINAL_STATES = (DELIVERED, FAILED, UNDELIVERED)
FAILED_STATES = (FAILED, UNDELIVERED)
SMS_FAILED_EVENT = "suspension_sms_failed"
TIMELINE_EVENTS = ("suspension", SMS_FAILED_EVENT, "unsuspension")


class ReceiptRejected(Exception):
    """A callback that is not the provider's (bad signature or token) or not a status callback at all."""


@dataclass(frozen=True)
class Receipt:
    """One status callback, parsed: the provider's message id, our state, its time and code."""

    provider: str
    message_id: str
    state: DeliveryStatus
    code: str | None = None
    at: dt.datetime | None = None


def record_delivery(conn: Session | Connection, msg_id: int, state: DeliveryStatus, *, at: dt.datetime,
                    code: str | None = None) -> bool:
    """Move one SMS to `state` unless it already has a final one; True when this call changed it."""
    if state not in DELIVERY_STATES:
        raise ValueError(f"unknown delivery state {state!r}")
    still_open = or_(T.delivery_status.is_(None), T.delivery_status == SENT)
    if state == SENT:
        still_open = T.delivery_status.is_(None)
    result = conn.execute(
        update(T).where(T.id == msg_id, T.channel == Channel.SMS, still_open)
        .values(delivery_status=state, delivery_at=at, delivery_code=(code or "")[:40] or None)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def apply_receipt(session: Session, receipt: Receipt, *, settings: NotifySettings,
                  now: dt.datetime) -> str:
    """Record a receipt; return `recorded`, `unchanged` (replayed or late) or `unknown` (no such SMS). Flushes."""
    msg = session.scalars(select(T).where(
        T.channel == Channel.SMS, T.provider_message_id == receipt.message_id[:120],
        T.delivery_provider == receipt.provider)).first()
    if msg is None:
        return "unknown"
    if not record_delivery(session, msg.id, receipt.state, at=receipt.at or now, code=receipt.code):
        return "unchanged"
    if receipt.state in FAILED_STATES:
        tell_customer_sms_failed(session, msg, settings=settings, now=now)
    session.flush()
    return "recorded"


def tell_customer_sms_failed(session: Session, msg: OutboxMessage, *, settings: NotifySettings,
                             now: dt.datetime) -> bool:
    """Email the customer that their suspension SMS did not reach them (once per SMS); True when queued."""
    if msg.event != "suspension" or msg.customer_id is None or msg.service_id is None:
        return False
    customer, service = session.get(Customer, msg.customer_id), session.get(Service, msg.service_id)
    if customer is None or service is None:
        return False
    queued = notify(session, SMS_FAILED_EVENT, customer, service=service, key=str(msg.id),
                    context={"phone": msg.recipient}, sms_hours=settings.sms_hours, timezone=settings.timezone,
                    now=now)
    return bool(queued)


def suspension_timelines(session: Session, customer_id: int, service_ids: list[int]) -> dict[int, list[OutboxMessage]]:
    """The suspension notices of each service (email, SMS with its receipt, the email when the SMS failed), oldest
    first."""
    timelines: dict[int, list[OutboxMessage]] = {}
    if not service_ids:
        return timelines
    rows = session.scalars(select(T).where(T.customer_id == customer_id, T.service_id.in_(service_ids),
                                           T.event.in_(TIMELINE_EVENTS)).order_by(T.id).limit(200))
    for msg in rows:
        if msg.service_id is not None:
            timelines.setdefault(msg.service_id, []).append(msg)
    return timelines
