"""What a customer owes, at a glance (docs/client-area.md, *What is owed*): the unpaid proformas, their total per
currency, and for each suspended service the proforma that keeps it suspended."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.billing.queries import customer_status, unpaid_proforma
from hostico.models import Invoice, InvoiceLine, Service
from hostico.models.service import ServiceStatus


@dataclass(frozen=True)
class Due:
    """An unpaid proforma as the customer reads it."""

    code: str
    currency: str
    total: Decimal
    amount_due: Decimal
    due_date: dt.date | None
    status: str  # unpaid, overdue or partly_paid (billing.queries.customer_status)


@dataclass(frozen=True)
class SuspendedService:
    """A suspended service and, when one is unpaid, the proforma that would lift the suspension."""

    domain: str
    reason: str | None
    proforma: Due | None


@dataclass(frozen=True)
class Owed:
    """Everything a customer has to pay."""

    proformas: list[Due]
    totals: dict[str, Decimal]  # currency -> amount due
    suspended: list[SuspendedService]

    def codes(self, currency: str) -> list[str]:
        """The proformas to pay in one checkout in a currency ("Pay all")."""
        return [p.code for p in self.proformas if p.currency == currency]


def owed(session: Session, customer_id: int, today: dt.date) -> Owed:
    """Return what the customer owes today: unpaid proformas oldest due first, totals, suspended services."""
    # The columns a Due reads, not the entities: an Invoice loads its lines too, in one more query per 500
    # proformas, so the page's query count would grow with the customer's unpaid proformas.
    invoices = session.execute(
        select(Invoice.id, Invoice.code, Invoice.kind, Invoice.status, Invoice.currency, Invoice.total,
               Invoice.amount_paid, Invoice.due_date)
        .where(Invoice.customer_id == customer_id, unpaid_proforma())
        .order_by(Invoice.due_date, Invoice.id)
    ).all()
    dues = {inv.id: Due(inv.code, inv.currency, inv.total, inv.total - (inv.amount_paid or Decimal("0")), inv.due_date,
                        customer_status(inv.kind, inv.status, total=inv.total, amount_paid=inv.amount_paid,
                                        due_date=inv.due_date, credited=None, today=today))
            for inv in invoices}
    totals: dict[str, Decimal] = {}
    for due in dues.values():
        totals[due.currency] = totals.get(due.currency, Decimal("0")) + due.amount_due
    # The unpaid proforma billing each service (the oldest: paying it lifts a nonpayment suspension).
    for_service: dict[int, Due] = {}
    if dues:
        for service_id, invoice_id in session.execute(
            select(InvoiceLine.service_id, InvoiceLine.invoice_id)
            .where(InvoiceLine.invoice_id.in_(list(dues)), InvoiceLine.service_id.is_not(None))
        ).all():
            due = dues[invoice_id]
            if service_id is None:
                continue
            if service_id not in for_service or (due.due_date or today) < (for_service[service_id].due_date or today):
                for_service[service_id] = due
    services = session.scalars(
        select(Service).where(Service.customer_id == customer_id, Service.status == ServiceStatus.SUSPENDED)
        .order_by(Service.id)
    ).all()
    suspended = [SuspendedService(s.domain, s.suspension_reason, for_service.get(s.id)) for s in services]
    return Owed(list(dues.values()), totals, suspended)
