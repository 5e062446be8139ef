"""The statuses a customer reads (docs/billing.md, *Statuses a customer reads*): past due, partly paid, credited."""

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from hostico.billing.corrections import credit_tax_invoice
from hostico.billing.payments import record_payment
from hostico.billing.queries import credited_total, customer_status
from hostico.models import Invoice

TODAY = dt.date(2026, 12, 5)


def status(kind="proforma", state="unpaid", *, total="100", paid=None, due=TODAY, credited=None):
    return customer_status(kind, state, total=Decimal(total), amount_paid=Decimal(paid) if paid else None,
                           due_date=due, credited=Decimal(credited) if credited else None, today=TODAY)


def test_a_proforma_is_past_due_the_day_after_its_due_date():
    assert status(due=TODAY) == "unpaid"  # due today: not yet overdue
    assert status(due=TODAY - dt.timedelta(days=1)) == "overdue"
    assert status(paid="30", due=TODAY) == "partly_paid"
    assert status(paid="30", due=TODAY - dt.timedelta(days=1)) == "overdue"  # what is left is late
    assert status(state="paid", due=TODAY - dt.timedelta(days=9)) == "paid"
    assert status(state="cancelled", due=TODAY - dt.timedelta(days=9)) == "cancelled"


def test_a_tax_invoice_is_partly_credited_then_credited():
    assert status("tax", "issued") == "issued"
    assert status("tax", "issued", credited="10") == "partly_credited"
    assert status("tax", "issued", credited="100") == "credited"
    assert status("credit_note", "issued", credited="0") == "issued"


def test_credited_total_sums_the_credit_notes_of_each_tax_invoice(make, session, settings):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                   today=dt.date.today())
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == proforma.id))
    credited = lambda: session.scalar(select(credited_total(Invoice)).where(Invoice.id == tax.id))  # noqa: E731
    assert credited() == 0
    credit_tax_invoice(session, tax, settings=settings, today=dt.date.today(), reason="x", amount=Decimal("21.00"))
    assert credited() == Decimal("21.00")
    credit_tax_invoice(session, tax, settings=settings, today=dt.date.today(), reason="y")
    assert credited() == tax.total
