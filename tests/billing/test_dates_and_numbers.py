"""Dates follow numbers (docs/billing.md): the issue date is taken with the number, never backwards in a series."""

import datetime as dt
import random
import threading
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.models import Invoice
from hostico.web.database import db

DAY = dt.date(2026, 6, 1)


def test_a_payment_recorded_with_an_earlier_clock_is_not_dated_before_the_last_invoice(session, make, settings):
    c = make.make_customer()
    first = make.make_proforma(c, today=DAY - dt.timedelta(days=3))
    second = make.make_proforma(c, today=DAY - dt.timedelta(days=3))
    record_payment(session, first.id, amount=first.total, method="card", settings=settings, today=DAY)
    # A request that read the clock before midnight but reaches the numbering lock after the one above.
    record_payment(session, second.id, amount=second.total, method="card", settings=settings,
                   today=DAY - dt.timedelta(days=1))
    session.commit()
    rows = session.execute(select(Invoice.code, Invoice.issue_date).where(Invoice.kind == "tax")
                           .order_by(Invoice.number)).all()
    assert rows == [("HST-000001", DAY), ("HST-000002", DAY)]


def test_proforma_dates_never_go_backwards_either(session, make, settings):
    c = make.make_customer()
    make.make_proforma(c, today=DAY)
    late = make.make_proforma(c, today=DAY - dt.timedelta(days=1))
    assert late.issue_date == DAY


def test_concurrent_payments_around_midnight_keep_dates_in_number_order(app, session, make, settings, engine_name):
    if engine_name != "postgres":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises writers on one file lock)")
    c = make.make_customer()
    ids = [create_proforma(session, c, [LineSpec("Hosting", Decimal("10.00"))], origin="system",
                           settings=settings, today=DAY - dt.timedelta(days=5)).id for _ in range(200)]
    session.commit()
    chunks = [ids[i::8] for i in range(8)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def pay_all(chunk, seed):
        rnd = random.Random(seed)
        barrier.wait()
        for pid in chunk:
            s = Session(bind=db.get(app).engine)
            try:  # half the requests read the clock just before midnight, half just after
                record_payment(s, pid, amount=Decimal("12.10"), method="gateway", settings=settings,
                               today=DAY + dt.timedelta(days=rnd.randint(0, 1)), idempotency_key=f"evt-{pid}")
                s.commit()
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
                s.rollback()
            finally:
                s.close()

    threads = [threading.Thread(target=pay_all, args=(chunk, n)) for n, chunk in enumerate(chunks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    rows = session.execute(select(Invoice.number, Invoice.issue_date).where(Invoice.kind == "tax")
                           .order_by(Invoice.number)).all()
    assert [n for n, _ in rows] == list(range(1, 201))
    dates = [d for _, d in rows]
    assert dates == sorted(dates)
    assert set(dates) <= {DAY, DAY + dt.timedelta(days=1)}
