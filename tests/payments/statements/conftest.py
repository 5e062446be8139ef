"""Bank-statement fixtures: the proformas the sample statements in data/ pay (HPF-000001..4)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from hostico.billing.payments import record_payment

DATA = Path(__file__).parent / "data"
# The sample statements are booked on 30 November and 1 December 2026: their proformas are older.
ISSUED = dt.date(2026, 11, 20)


def sample(name: str) -> bytes:
    """Read a sample statement of tests/payments/statements/data/."""
    return (DATA / name).read_bytes()


@pytest.fixture
def proformas(make, session, settings):
    """HPF-000001 121.00, HPF-000002 60.50, HPF-000003 12.10 (paid by card), HPF-000004 242.00 — all RON."""
    customer = make.make_customer(name="Ana Popescu")
    service = make.make_service(customer, domain="ana.ro", status="suspended", suspension_reason="nonpayment")
    p1 = make.make_proforma(customer, amount="100.00", service=service, today=ISSUED)
    p2 = make.make_proforma(customer, amount="50.00", today=ISSUED)
    p3 = make.make_proforma(customer, amount="10.00", today=ISSUED)
    p4 = make.make_proforma(customer, amount="200.00", today=ISSUED)
    record_payment(session, p3.id, amount=p3.total, method="card", settings=settings, today=p3.issue_date)
    session.commit()
    assert [p.code for p in (p1, p2, p3, p4)] == ["HPF-000001", "HPF-000002", "HPF-000003", "HPF-000004"]
    assert [str(p.total) for p in (p1, p2, p3, p4)] == ["121.00", "60.50", "12.10", "242.00"]
    return {"customer": customer, "service": service, "p1": p1, "p2": p2, "p3": p3, "p4": p4}
