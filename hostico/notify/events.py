"""Which events notify whom on which channel (docs/sms.md), written to the outbox in the caller's transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from hostico.config import default
from hostico.db import insert_new_rows
from hostico.logs import current_request_id
from hostico.models import Customer, Invoice, OutboxMessage, Service, StaffUser, utcnow
from hostico.models.outbox import Channel, OutboxStatus
from hostico.notify.schedule import next_sms_time

# event -> channels. An SMS goes out for exactly two things: a proforma the system generated, and a
# suspension of a hosting account whatever the reason. Everything else is email only.
EVENT_CHANNELS: dict[str, tuple[Channel, ...]] = {
    "proforma_order": (Channel.EMAIL,),
    "proforma_system": (Channel.EMAIL, Channel.SMS),
    "reminder": (Channel.EMAIL,),
    "payment_receipt": (Channel.EMAIL,),
    "suspension": (Channel.EMAIL, Channel.SMS),
    "suspension_sms_failed": (Channel.EMAIL,),  # the suspension SMS did not reach the phone (docs/sms.md)
    "unsuspension": (Channel.EMAIL,),
    "termination": (Channel.EMAIL,),
    "order_expired": (Channel.EMAIL,),  # an unpaid order cancelled by the billing run
    "credit_note": (Channel.EMAIL,),
    "invoice_resend": (Channel.EMAIL,),  # staff resends an invoice email: never an SMS
    "billing_data_needed": (Channel.EMAIL,),  # a renewal waits for the customer's name and address
    # An email change (accounts.email_change): the confirmation link or the refusal goes to the new address,
    # the notice that it happened to the old one. Their recipient is fixed: never re-addressed.
    "email_change_confirm": (Channel.EMAIL,),
    "email_change_taken": (Channel.EMAIL,),
    "email_changed": (Channel.EMAIL,),
    # Account emails (docs/accounts.md). Those with a link carry notify.account_links' placeholder; a customer's go
    # to the address as it is when sent, a staff user's to the stored one.
    "password_reset": (Channel.EMAIL,),
    "password_changed": (Channel.EMAIL,),
    "signup_confirm": (Channel.EMAIL,),
    "signup_taken": (Channel.EMAIL,),
    "invitation": (Channel.EMAIL,),
}
FIXED_RECIPIENT = "fixed_recipient"  # context flag: send to the stored recipient, not the customer's address now


@dataclass
class Notice:
    """One occurrence of an event for a customer (the arguments of one `notify` call)."""

    customer: Customer
    invoice: Invoice | None = None
    service: Service | None = None
    key: str | None = None
    context: dict[str, Any] = field(default_factory=dict[str, Any])
    recipient: str | None = None  # an email to another address than the customer's (kept as it is)


def _outbox_rows(event: str, notice: Notice, now: dt.datetime, sms_at: dt.datetime) -> list[dict[str, Any]]:
    """Return the outbox rows an event writes for one notice (the docs/sms.md rules live here only)."""
    if event not in EVENT_CHANNELS:
        raise ValueError(f"unknown event {event!r}")
    customer, invoice, service = notice.customer, notice.invoice, notice.service
    obj_key = notice.key or str(invoice.id if invoice is not None else service.id if service is not None
                                else customer.id)
    ctx = dict(notice.context or {})
    if invoice is not None:
        ctx.setdefault("invoice_code", invoice.code)
    if service is not None:
        ctx.setdefault("domain", service.domain)
        ctx.setdefault("suspension_reason", service.suspension_reason)
    rows = []
    for channel in EVENT_CHANNELS[event]:
        if channel == Channel.SMS:
            if not (customer.sms_opt_in and customer.phone_e164):
                continue
            recipient, not_before = customer.phone_e164, sms_at
        else:
            recipient, not_before = notice.recipient or customer.email, now
            if notice.recipient:
                ctx[FIXED_RECIPIENT] = True
        rows.append({
            "channel": channel, "event": event, "dedupe_key": f"{event}:{obj_key}:{channel}",
            "customer_id": customer.id, "invoice_id": invoice.id if invoice is not None else None,
            "service_id": service.id if service is not None else None, "recipient": recipient,
            "template": event, "context": ctx, "status": OutboxStatus.PENDING, "attempts": 0,
            "next_attempt_at": not_before, "created_at": now, "request_id": current_request_id(),
        })
    return rows


def notify(
    session: Session,
    event: str,
    customer: Customer,
    *,
    invoice: Invoice | None = None,
    service: Service | None = None,
    key: str | None = None,
    context: dict[str, Any] | None = None,
    sms_hours: str = "09:00-19:00",
    timezone: str = default("TIMEZONE"),
    now: dt.datetime | None = None,
    recipient: str | None = None,
) -> list[OutboxMessage]:
    """Queue the event's emails and SMS; an event already queued (same dedupe key) is not queued again.

    `key` distinguishes occurrences of one event on one object (a reminder's day, a suspension's
    time); by default the object's id is the key, so one proforma notifies once.
    """
    now = now or utcnow()
    notice = Notice(customer, invoice=invoice, service=service, key=key, context=context or {}, recipient=recipient)
    queued = []
    for row in _outbox_rows(event, notice, now, next_sms_time(now, sms_hours, timezone)):
        exists = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == row["dedupe_key"]))
        if exists:
            continue
        msg = OutboxMessage(**row)
        session.add(msg)
        queued.append(msg)
    session.flush()
    return queued


def notify_staff(session: Session, event: str, staff: StaffUser, *, key: str, context: dict[str, Any] | None = None,
                 now: dt.datetime | None = None) -> OutboxMessage:
    """Queue an email to a staff user (an account email: no customer, no SMS, the address as stored)."""
    if EVENT_CHANNELS.get(event) != (Channel.EMAIL,):
        raise ValueError(f"not an email-only event {event!r}")
    now = now or utcnow()
    msg = OutboxMessage(channel=Channel.EMAIL, event=event, dedupe_key=f"{event}:{key}:email", customer_id=None,
                        recipient=staff.email, template=event, status=OutboxStatus.PENDING, attempts=0,
                        next_attempt_at=now,
                        created_at=now, request_id=current_request_id(),
                        context={**(context or {}), FIXED_RECIPIENT: True, "staff": True})
    session.add(msg)
    session.flush()
    return msg


def notify_many(session: Session, event: str, notices: list[Notice], *, sms_hours: str = "09:00-19:00",
                timezone: str = default("TIMEZONE"), now: dt.datetime | None = None,
                count: bool = True) -> int | None:
    """Bulk `notify` (the billing run): one insert that skips dedupe keys already queued (db.insert_new_rows: on
    PostgreSQL a COPY, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING); return how many notices queued
    (None with count=False: no RETURNING, which the renewal run prefers). The database's unique index on
    dedupe_key decides, so the cost does not grow with the outbox: a prior `dedupe_key IN (...)` query was
    planned as a scan of the whole table."""
    if event not in EVENT_CHANNELS:
        raise ValueError(f"unknown event {event!r}")
    if not notices:
        return 0
    now = now or utcnow()
    sms_at = next_sms_time(now, sms_hours, timezone)
    rows = [(id(n), row) for n in notices for row in _outbox_rows(event, n, now, sms_at)]
    if not rows:
        return 0
    queued = insert_new_rows(session, cast(Table, OutboxMessage.__table__), [row for _, row in rows],
                             unique="dedupe_key", returning="dedupe_key" if count else None)
    if queued is None:
        return None
    keys = set(queued)
    return len({n for n, row in rows if row["dedupe_key"] in keys})
