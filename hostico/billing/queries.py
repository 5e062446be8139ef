"""Named queries of billing: what "unpaid", "paid", "overdue" and an open order mean, written once.

Each returns a SQL condition on Invoice (or an alias of it) or Order, for views and the domain to combine
in their selects; docs/billing.md says what each state means.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ColumnElement, and_

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
