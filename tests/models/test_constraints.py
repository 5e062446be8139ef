"""Constraints live in the database, not only in Python."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from hostico.models import Invoice, Payment


def _raw_invoice(customer_id, number, series="HST"):
    return Invoice(customer_id=customer_id, kind="tax", series=series, number=number, code=f"{series}-{number:06d}-x",
                   status="issued", origin="system", issue_date=dt.date.today(), currency="RON", buyer={}, seller={},
                   subtotal=Decimal("1.00"), vat_total=Decimal("0.21"), total=Decimal("1.21"))


def test_duplicate_invoice_number_in_a_series_is_refused(session, make):
    c = make.make_customer()
    session.add(_raw_invoice(c.id, 7))
    session.commit()
    inv = _raw_invoice(c.id, 7)
    inv.code = "other-code"
    session.add(inv)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_same_number_in_another_series_is_fine(session, make):
    c = make.make_customer()
    session.add_all([_raw_invoice(c.id, 1, "HST"), _raw_invoice(c.id, 1, "HPF")])
    session.commit()


def test_negative_payment_is_refused_by_the_database(session, make):
    c = make.make_customer()
    proforma = make.make_proforma(c)
    # Bypass the ORM's Python-side checks: raw SQL, as a buggy script would.
    with pytest.raises(IntegrityError):
        session.execute(text("INSERT INTO payments (invoice_id, customer_id, method, amount, currency, created_at)"
                             " VALUES (:i, :c, 'card', -500, 'RON', CURRENT_TIMESTAMP)"),
                        {"i": proforma.id, "c": c.id})
        session.commit()
    session.rollback()


def test_negative_invoice_total_is_refused_by_the_database(session, make):
    c = make.make_customer()
    inv = _raw_invoice(c.id, 3)
    inv.subtotal, inv.vat_total, inv.total = Decimal("-1.00"), Decimal("0"), Decimal("-1.00")
    session.add(inv)
    with pytest.raises(IntegrityError):
        session.commit()
    session.rollback()


def test_money_round_trips_exactly(session, make):
    c = make.make_customer()
    proforma = make.make_proforma(c, amount="0.10")
    session.add(Payment(invoice_id=proforma.id, customer_id=c.id, method="card", amount=Decimal("0.30"),
                        received_on=dt.date.today()))
    session.commit()
    session.expire_all()
    pay = session.query(Payment).one()
    assert pay.amount == Decimal("0.30") and str(pay.amount) == "0.30"
    raw = session.execute(text("SELECT amount FROM payments")).scalar_one()
    assert raw == 30  # stored as integer bani, exact on every engine


def test_unknown_service_status_is_refused(session, make):
    c = make.make_customer()
    s = make.make_service(c)
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE services SET status='frozen' WHERE id=:i"), {"i": s.id})
        session.commit()
    session.rollback()
