"""Named queries of billing: what "unpaid", "paid", "overdue" and an open order mean, written once.

Each returns a SQL condition on Invoice (or an alias of it) or Order, for views and the domain to combine
in their selects; docs/billing.md says what each state means.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from sqlalchemy import ColumnElement, ScalarSelect, and_, func, select
from sqlalchemy.orm import aliased

from hostico.models import Invoice, Order
from hostico.models.invoice import InvoiceKind, InvoiceStatus
from hostico.models.service import OrderStatus


def unpaid_proforma(entity: type[Invoice] = Invoice) -> ColumnElement[bool]:
    """A proforma waiting for payment."""
    return and_(entity.kind == InvoiceKind.PROFORMA, entity.status == InvoiceStatus.UNPAID)


def paid(entity: type[Invoice] = Invoice) -> ColumnElement[bool]:
    """What was paid: a paid proforma, or a tax invoice or credit note (one exists only for what was paid)."""
    return entity.status.in_((InvoiceStatus.PAID, InvoiceStatus.ISSUED))


def overdue(today: dt.date, entity: type[Invoice] = Invoice) -> ColumnElement[bool]:
    """An unpaid proforma whose due date has passed (it is due on its due date, overdue the day after)."""
    return and_(unpaid_proforma(entity), entity.due_date < today)


def not_yet_due(today: dt.date, entity: type[Invoice] = Invoice) -> ColumnElement[bool]:
    """An unpaid proforma that is not overdue yet."""
    return and_(unpaid_proforma(entity), entity.due_date >= today)


def open_order() -> ColumnElement[bool]:
    """An order waiting for payment (neither paid nor cancelled)."""
    return Order.status == OrderStatus.PENDING


def credited_total(entity: type[Invoice] = Invoice) -> ScalarSelect[Decimal]:
    """Per tax invoice: how much its credit notes took back (a positive amount, 0 when none)."""
    note = aliased(Invoice, name="credit_note")
    return (select(func.coalesce(-func.sum(note.total), 0))
            .where(note.corrects_id == entity.id, note.kind == InvoiceKind.CREDIT_NOTE)
            .correlate(entity).scalar_subquery())


def customer_status(kind: str, status: str, *, total: Decimal, amount_paid: Decimal | None,
                    due_date: dt.date | None, credited: Decimal | None, today: dt.date) -> str:
    """The status a customer reads (docs/billing.md, *Statuses a customer reads*).

    A proforma is unpaid, `overdue` (unpaid the day after its due date, as `overdue()` says), `partly_paid`, paid
    or cancelled; a tax invoice is issued, `partly_credited` or `credited` (its credit notes took back all of it).
    """
    if kind == InvoiceKind.PROFORMA and status == InvoiceStatus.UNPAID:
        if due_date is not None and due_date < today:
            return "overdue"
        return "partly_paid" if amount_paid else "unpaid"
    if kind == InvoiceKind.TAX and status == InvoiceStatus.ISSUED and credited:
        return "credited" if credited >= total else "partly_credited"
    return status


def statuses_of(invoices: Iterable[Invoice], today: dt.date, *, credit_notes: Iterable[Invoice] = ()) -> dict[int, str]:
    """The status people read (customer_status) for each of `invoices`, already loaded: the credit notes among them
    or in `credit_notes` count against the tax invoice each corrects (staff pages, where the rows are at hand)."""
    shown = list(invoices)
    notes = {n.id: n for n in [*shown, *credit_notes] if n.kind == InvoiceKind.CREDIT_NOTE and n.corrects_id}
    credited: dict[int, Decimal] = {}
    for note in notes.values():
        assert note.corrects_id is not None
        credited[note.corrects_id] = credited.get(note.corrects_id, Decimal("0")) - note.total
    return {inv.id: customer_status(inv.kind, inv.status, total=inv.total, amount_paid=inv.amount_paid,
                                    due_date=inv.due_date, credited=credited.get(inv.id), today=today)
            for inv in shown}
