"""Staff use cases the rest of the domain lacks: proformas on a customer's behalf, cancelling,
resending invoice emails (credit notes: billing/corrections.py). Flush, never commit."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.descriptions import hosting_line
from hostico.billing.errors import InvalidTransition
from hostico.billing.hosting_services import next_period_start
from hostico.billing.invoicing import LineSpec, add_event, create_proforma
from hostico.billing.payments import lock_invoice
from hostico.billing.queries import unpaid_proforma
from hostico.billing.settings import BillingSettings
from hostico.errors import N_, state_param
from hostico.models import BillingProfile, Customer, Invoice, InvoiceLine, OutboxMessage, Service, utcnow
from hostico.models.invoice import InvoiceKind, InvoiceOrigin, InvoiceStatus
from hostico.models.outbox import OutboxStatus
from hostico.models.service import ServiceStatus
from hostico.notify.events import notify


def service_line(service: Service, language: str | None = None) -> LineSpec:
    """Bill one cycle of a service from its next due date (described in `language`, the customer's)."""
    end = next_period_start(service)
    name = service.product.name if service.product is not None else "Hosting"
    return LineSpec(description=hosting_line(name, service.domain, service.cycle, language),
                    unit_price=service.price, currency=service.currency, service_id=service.id,
                    period_start=service.next_due_date, period_end=end - dt.timedelta(days=1))


def _refuse_double_billing(session: Session, service_ids: list[int]) -> None:
    if not service_ids:
        return
    open_code = session.scalar(
        select(Invoice.code).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(InvoiceLine.service_id.in_(service_ids), unpaid_proforma())
        .limit(1)
    )
    if open_code:
        raise InvalidTransition(N_("A service on this proforma is already billed on unpaid proforma %(number)s; "
                                   "cancel that one first."), code="already_billed", number=open_code)


def issue_proforma_for_customer(
    session: Session,
    customer: Customer,
    *,
    services: list[Service] | None = None,
    lines: list[LineSpec] | None = None,
    settings: BillingSettings,
    today: dt.date,
    staff_id: int,
    profile: BillingProfile | None = None,
) -> Invoice:
    """Issue a proforma on the customer's behalf (origin system): email + SMS like the renewal run."""
    services = services or []
    for service in services:
        if service.customer_id != customer.id:
            raise InvalidTransition(N_("A service of another customer cannot be billed here."), code="foreign_service")
        if service.status in (ServiceStatus.TERMINATED, ServiceStatus.CANCELLED):
            raise InvalidTransition(N_("Service %(domain)s is %(status)s; it cannot be billed."), code="not_billable",
                                    domain=service.domain, status=state_param(service.status))
    if profile is not None and (profile.customer_id != customer.id or profile.deleted_at is not None):
        raise InvalidTransition(N_("The billing profile does not belong to this customer."), code="foreign_profile")
    specs = [service_line(s, customer.language) for s in services] + list(lines or [])
    if not specs:
        raise InvalidTransition(N_("Choose at least one service or add a line to bill."), code="nothing_to_bill")
    _refuse_double_billing(session, [s.id for s in services])
    # A one-service proforma for the next period takes the renewal run's key, so the run does not
    # bill the same period again.
    renewal_key = (f"renewal:{services[0].id}:{services[0].next_due_date.isoformat()}"
                   if len(services) == 1 and not lines else None)
    if renewal_key and session.scalar(select(Invoice.id).where(Invoice.renewal_key == renewal_key)):
        renewal_key = None  # that period was billed and paid or cancelled before: bill again on purpose
    invoice = create_proforma(session, customer, specs, origin=InvoiceOrigin.SYSTEM, settings=settings, today=today,
                              profile=profile, renewal_key=renewal_key, actor_kind="staff", actor_id=staff_id)
    notify(session, "proforma_system", customer, invoice=invoice, sms_hours=settings.sms_hours,
           timezone=settings.timezone)
    record(session, "invoice.proforma_issued", actor_kind="staff", actor_id=staff_id, obj=invoice,
           customer_id=customer.id, data={"code": invoice.code, "total": str(invoice.total),
                                          "services": [s.id for s in services]})
    return invoice


def cancel_proforma(session: Session, invoice: Invoice, *, staff_id: int, reason: str) -> Invoice:
    """Cancel an unpaid proforma and stop its notices not yet sent."""
    invoice = lock_invoice(session, invoice.id)
    if invoice.kind != InvoiceKind.PROFORMA or invoice.status != InvoiceStatus.UNPAID:
        raise InvalidTransition(N_("%(number)s is not an unpaid proforma; it cannot be cancelled."),
                                code="not_cancellable", number=invoice.code)
    if invoice.amount_paid:
        raise InvalidTransition(N_("%(number)s is partly paid: its advances are invoiced, so it cannot be cancelled."
                                   " Credit the advance invoices instead."), code="partly_paid", number=invoice.code)
    invoice.status = InvoiceStatus.CANCELLED
    invoice.cancelled_at = utcnow()
    session.flush()
    # Reminders still waiting for this proforma would ask the customer to pay a cancelled invoice.
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.invoice_id == invoice.id, OutboxMessage.status == OutboxStatus.PENDING)
        .values(status=OutboxStatus.CANCELLED, last_error="proforma cancelled")
    )
    add_event(session, invoice, "cancelled", actor_kind="staff", actor_id=staff_id, note=reason)
    record(session, "invoice.cancelled", actor_kind="staff", actor_id=staff_id, obj=invoice,
           customer_id=invoice.customer_id, data={"code": invoice.code, "reason": reason})
    return invoice


def resend_invoice_email(session: Session, invoice: Invoice, *, staff_id: int, nonce: str) -> bool:
    """Queue the invoice email again; the nonce (one per form shown) makes a double submit send once.

    Returns False when this resend was already queued.
    """
    if invoice.kind == InvoiceKind.PROFORMA and invoice.status == InvoiceStatus.CANCELLED:
        raise InvalidTransition(N_("%(number)s is cancelled; it is not sent again."), code="cancelled",
                                number=invoice.code)
    customer = session.get_one(Customer, invoice.customer_id)
    queued = notify(session, "invoice_resend", customer, invoice=invoice, key=f"{invoice.id}:{nonce[:60]}",
                    context={"kind": invoice.kind})
    if not queued:
        return False
    record(session, "invoice.resent", actor_kind="staff", actor_id=staff_id, obj=invoice,
           customer_id=invoice.customer_id, data={"code": invoice.code, "to": customer.email})
    return True
