"""Which events notify whom on which channel (DESIGN 2.1), written to the outbox in the caller's transaction."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.models import Customer, Invoice, OutboxMessage, Service, utcnow
from hostico.notify.schedule import next_sms_time

# event -> channels. An SMS goes out for exactly two things: a proforma the system generated, and a
# suspension of a hosting account whatever the reason. Everything else is email only.
EVENT_CHANNELS: dict[str, tuple[str, ...]] = {
    "proforma_order": ("email",),
    "proforma_system": ("email", "sms"),
    "reminder": ("email",),
    "payment_receipt": ("email",),
    "suspension": ("email", "sms"),
    "unsuspension": ("email",),
    "termination": ("email",),
    "credit_note": ("email",),
    "invoice_resend": ("email",),  # staff resends an invoice email: never an SMS
}


def notify(
    session: Session,
    event: str,
    customer: Customer,
    *,
    invoice: Invoice | None = None,
    service: Service | None = None,
    key: str | None = None,
    context: dict | None = None,
    sms_hours: str = "09:00-19:00",
    timezone: str = "Europe/Bucharest",
    now: dt.datetime | None = None,
) -> list[OutboxMessage]:
    """Queue the event's emails and SMS; an event already queued (same dedupe key) is not queued again.

    `key` distinguishes occurrences of one event on one object (a reminder's day, a suspension's
    time); by default the object's id is the key, so one proforma notifies once.
    """
    if event not in EVENT_CHANNELS:
        raise ValueError(f"unknown event {event!r}")
    now = now or utcnow()
    obj_key = key or str(invoice.id if invoice is not None else service.id if service is not None else customer.id)
    ctx = dict(context or {})
    if invoice is not None:
        ctx.setdefault("invoice_code", invoice.code)
    if service is not None:
        ctx.setdefault("domain", service.domain)
        ctx.setdefault("suspension_reason", service.suspension_reason)
    queued = []
    for channel in EVENT_CHANNELS[event]:
        if channel == "sms":
            if not (customer.sms_opt_in and customer.phone_e164):
                continue
            recipient = customer.phone_e164
            not_before = next_sms_time(now, sms_hours, timezone)
        else:
            recipient = customer.email
            not_before = now
        dedupe_key = f"{event}:{obj_key}:{channel}"
        exists = session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key))
        if exists:
            continue
        msg = OutboxMessage(
            channel=channel, event=event, dedupe_key=dedupe_key, customer_id=customer.id,
            invoice_id=invoice.id if invoice is not None else None,
            service_id=service.id if service is not None else None, recipient=recipient,
            template=event, context=ctx, status="pending", next_attempt_at=not_before,
        )
        session.add(msg)
        queued.append(msg)
    session.flush()
    return queued
