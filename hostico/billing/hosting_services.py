"""Service lifecycle: activation, due-date extension, suspension, unsuspension, termination."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.errors import InvalidTransition
from hostico.billing.invoicing import add_event
from hostico.billing.queries import unpaid_proforma
from hostico.config import default
from hostico.errors import N_, state_param
from hostico.models import CYCLE_MONTHS, Customer, Invoice, InvoiceLine, Service, utcnow
from hostico.models.invoice import InvoiceStatus
from hostico.models.service import SUSPENSION_REASONS, ServiceStatus, SuspensionReason
from hostico.notify.events import notify


def add_months(day: dt.date, months: int, anchor_day: int | None = None) -> dt.date:
    """Add calendar months, keeping `anchor_day` (default: the day's own) and clamping it to the
    month's last day: with anchor 31, 31 Jan → 28 Feb → 31 Mar; with anchor 29, 29 Feb 2028 → 28 Feb
    2029 → … → 29 Feb 2032."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    return dt.date(year, month, min(anchor_day or day.day, calendar.monthrange(year, month)[1]))


def next_period_start(service: Service) -> dt.date:
    """Return the due date after the service's current one: one cycle later, on its anchor day."""
    return add_months(service.next_due_date, CYCLE_MONTHS[service.cycle], service.anchor_day)


def apply_payment_to_service(session: Session, service: Service, **notify_kw: Any) -> None:
    """Extend a paid service by its cycle; activate it, or lift a nonpayment (never an abuse) suspension."""
    if service.status in (ServiceStatus.TERMINATED, ServiceStatus.CANCELLED):
        return
    service.next_due_date = next_period_start(service)
    if service.status == ServiceStatus.PENDING:
        service.status = ServiceStatus.ACTIVE
        record(session, "service.activated", obj=service, customer_id=service.customer_id)
    elif service.status == ServiceStatus.SUSPENDED and service.suspension_reason == SuspensionReason.NONPAYMENT:
        _lift(session, service, actor_kind="system", actor_id=None, **notify_kw)


def _lift(session: Session, service: Service, *, actor_kind: str, actor_id: int | None, **notify_kw: Any) -> None:
    reason = service.suspension_reason
    service.status = ServiceStatus.ACTIVE
    service.suspension_reason = None
    service.suspension_note = None
    service.suspended_at = None
    customer = session.get_one(Customer, service.customer_id)
    notify(session, "unsuspension", customer, service=service, key=f"{service.id}:{utcnow().isoformat()}",
           context={"previous_reason": reason}, **notify_kw)
    record(session, "service.unsuspended", actor_kind=actor_kind, actor_id=actor_id, obj=service,
           customer_id=service.customer_id, data={"reason": reason})


def suspend_service(session: Session, service: Service, *, reason: str, note: str | None = None,
                    actor_kind: str = "system", actor_id: int | None = None, sms_hours: str = "09:00-19:00",
                    timezone: str = default("TIMEZONE"), cause: Invoice | None = None) -> None:
    """Suspend an active service with a reason (nonpayment, abuse, other); notifies by email and SMS.

    `cause` is the overdue proforma behind a nonpayment suspension: the email names it, with its amount, due
    date, a pay button and its number as a mail-login link (docs/notifications.md#email-layout)."""
    if reason not in SUSPENSION_REASONS:
        raise InvalidTransition(N_("Unknown suspension reason %(reason)s."), code="unknown_reason", reason=reason)
    if service.status == ServiceStatus.SUSPENDED:
        # A service suspended for nonpayment may be re-suspended for abuse or another staff reason,
        # so that paying no longer lifts it; the reverse would weaken a staff decision.
        if service.suspension_reason != SuspensionReason.NONPAYMENT or reason == SuspensionReason.NONPAYMENT:
            raise InvalidTransition(N_("Service %(domain)s is suspended (%(reason)s); only active services can be "
                                       "suspended."), code="already_suspended", domain=service.domain,
                                    reason=state_param(service.suspension_reason))
    elif service.status != ServiceStatus.ACTIVE:
        raise InvalidTransition(N_("Service %(domain)s is %(status)s; only active services can be suspended."),
                                code="not_active", domain=service.domain, status=state_param(service.status))
    now = utcnow()
    service.status = ServiceStatus.SUSPENDED
    service.suspension_reason = SuspensionReason(reason)
    service.suspension_note = note
    service.suspended_at = now
    session.flush()
    customer = session.get_one(Customer, service.customer_id)
    notify(session, "suspension", customer, service=service, invoice=cause, key=f"{service.id}:{now.isoformat()}",
           context={"reason": reason}, sms_hours=sms_hours, timezone=timezone, now=now)
    data = {"reason": reason, "note": note, **({"proforma": cause.code} if cause is not None else {})}
    record(session, "service.suspended", actor_kind=actor_kind, actor_id=actor_id, obj=service,
           customer_id=service.customer_id, data=data)


def unsuspend_service(session: Session, service: Service, *, actor_kind: str = "system",
                      actor_id: int | None = None) -> None:
    """Lift a suspension of any reason (staff decision); notifies by email."""
    if service.status != ServiceStatus.SUSPENDED:
        raise InvalidTransition(N_("Service %(domain)s is not suspended."), code="not_suspended", domain=service.domain)
    _lift(session, service, actor_kind=actor_kind, actor_id=actor_id)


def terminate_service(session: Session, service: Service, *, actor_kind: str = "system",
                      actor_id: int | None = None) -> None:
    """Terminate a service for good."""
    if service.status in (ServiceStatus.TERMINATED, ServiceStatus.CANCELLED):
        raise InvalidTransition(N_("Service %(domain)s is already %(status)s."), code="already_ended",
                                domain=service.domain, status=state_param(service.status))
    service.status = ServiceStatus.TERMINATED
    service.terminated_at = utcnow()
    cancelled = _cancel_unpaid_proformas_of(session, service, actor_kind=actor_kind, actor_id=actor_id)
    customer = session.get_one(Customer, service.customer_id)
    notify(session, "termination", customer, service=service)
    record(session, "service.terminated", actor_kind=actor_kind, actor_id=actor_id, obj=service,
           customer_id=service.customer_id, data={"cancelled_proformas": cancelled})


def _cancel_unpaid_proformas_of(session: Session, service: Service, *, actor_kind: str,
                                actor_id: int | None) -> list[str]:
    """Cancel the unpaid proformas that bill only this service: nobody should pay for a terminated one."""
    proformas = session.scalars(
        select(Invoice).where(
            Invoice.id.in_(select(InvoiceLine.invoice_id).where(InvoiceLine.service_id == service.id)),
            unpaid_proforma())
        .order_by(Invoice.id)
    ).all()
    codes = []
    for proforma in proformas:
        if any(line.service_id != service.id for line in proforma.lines):
            continue
        proforma.status = InvoiceStatus.CANCELLED
        proforma.cancelled_at = utcnow()
        add_event(session, proforma, "cancelled", actor_kind=actor_kind, actor_id=actor_id,
                  code="service_terminated", params={"domain": service.domain})
        codes.append(proforma.code)
    return codes
