"""The customer's SMS preference: consent time, the number, and cancelling SMS on opt-out."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.models import Customer, utcnow
from hostico.notify.outbox import cancel_pending_sms


def mask_phone(e164: str | None) -> str | None:
    """Keep the country code and last three digits (audit entries need no full number)."""
    return None if not e164 else e164[:3] + "*" * max(0, len(e164) - 6) + e164[-3:]


def set_sms_preference(session: Session, customer: Customer, *, opt_in: bool, phone_e164: str | None,
                       ip: str | None = None, now: dt.datetime | None = None) -> dict[str, Any]:
    """Save the mobile number and the SMS choice (validated by the caller); return what changed.

    Turning SMS on records the consent time; turning it off cancels every SMS not yet sent.
    """
    if opt_in and not phone_e164:
        raise ValueError("SMS notifications need a mobile number")
    now = now or utcnow()
    changes: dict[str, Any] = {}
    if phone_e164 != customer.phone_e164:
        changes["phone"] = {"before": mask_phone(customer.phone_e164), "after": mask_phone(phone_e164)}
        customer.phone_e164 = phone_e164
        if opt_in and customer.sms_opt_in:
            customer.sms_consent_at = now  # consent now covers the new number
    if opt_in != customer.sms_opt_in:
        changes["sms_opt_in"] = {"before": customer.sms_opt_in, "after": opt_in}
        customer.sms_opt_in = opt_in
        customer.sms_consent_at = now if opt_in else None
    if not opt_in:
        cancelled = cancel_pending_sms(session, customer.id)
        if cancelled:
            changes["cancelled_sms"] = cancelled
    if changes:
        action = "customer.sms_on" if opt_in and "sms_opt_in" in changes else \
            "customer.sms_off" if "sms_opt_in" in changes else "customer.phone_changed"
        record(session, action, actor_kind="customer", actor_id=customer.id, obj=customer, customer_id=customer.id,
               ip=ip, data=changes)
    session.flush()
    return changes
