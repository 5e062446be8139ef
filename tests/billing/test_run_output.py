"""What the billing run writes, row by row: the renewal proformas, their lines, history and notifications of a
varied data set (Romanian person and company, a German company under reverse charge, a French person in EUR, an
American company outside the scope of VAT, an EUR-priced plan billed in lei) are the ones the run wrote when it
built each proforma as ORM objects (tests/billing/data/run_output.json, written by that per-proforma path), so the
bulk path keeps numbers, dates, totals and snapshots identical."""

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hostico.billing.run import run_billing
from hostico.models import BillingProfile, Customer, Invoice, InvoiceEvent, InvoiceLine, OutboxMessage, Service
from tests.factories import vies_answer

TODAY = dt.date(2026, 5, 1)
EXPECTED = Path(__file__).parent / "data" / "run_output.json"
# Columns whose value is the database's (ids) or the clock's; the ids are replaced by what they point at.
CLOCK = {"created_at", "at", "next_attempt_at"}


def _data_set(make) -> None:
    ro = make.make_customer(email="ana@example.com", name="Ana Pop", phone_e164="+40722123456", sms_opt_in=True)
    firm = make.make_customer(email="firma@example.com", name="Firma Mea", billing=False)
    make.make_profile(firm, kind="company", is_default=True)
    de = make.make_customer(email="gmbh@example.com", name="Berliner GmbH", billing=False)
    make.make_profile(de, kind="company", company_name="Berliner Hosting GmbH", cui="DE136695976",
                      vat_number="DE136695976", country="DE", address="Hauptstraße 1", city="Berlin", county=None,
                      postal_code="10115", vies=vies_answer("DE136695976"), is_default=True)
    fr = make.make_customer(email="jeanne@example.com", name="Jeanne Martin", billing=False, language="ro")
    make.make_profile(fr, name="Jeanne Martin", country="FR", address="1 rue de Rivoli", city="Paris", county=None,
                      postal_code="75001", cnp=None, is_default=True)
    us = make.make_customer(email="inc@example.com", name="Example Inc", billing=False)
    make.make_profile(us, kind="company", company_name="Example Inc.", cui="12-3456789", country="US",
                      address="1 Main Street", city="Springfield", county=None, postal_code="62701", is_default=True)
    plan = make.make_product()
    plan.name = "Cloud"  # the factory's name counts products made by earlier tests
    for n, (customer, extra) in enumerate([
        (ro, {"price": "20.00"}), (ro, {"price": "199.99", "cycle": "annual"}), (firm, {"price": "33.33"}),
        (de, {"price": "100.00"}), (fr, {"price": "19.00", "currency": "EUR"}), (us, {"price": "45.50"}),
        (ro, {"price": "19.00", "currency": "EUR"}), (firm, {"price": "0.10"}),
    ]):
        make.make_service(customer, product=plan, domain=f"site{n}.ro", next_due_date=TODAY + dt.timedelta(days=n),
                          **extra)
    make.make_service(ro, product=plan, domain="later.ro", next_due_date=TODAY + dt.timedelta(days=30))


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal | dt.date):
        return str(value)
    return value


def _row(obj: Any, names: dict[str, Any]) -> dict[str, Any]:
    """Every column of a row but the clock's, ids replaced by the name of what they point at."""
    out = {}
    for column in obj.__table__.columns:
        if column.name in CLOCK or column.name == "id":
            continue
        value = getattr(obj, column.key)
        out[column.name] = names.get((column.name, value), value) if column.name.endswith("_id") else _plain(value)
    return out


def snapshot(session) -> dict[str, Any]:
    """The run's output with stable names instead of ids (customer email, profile name, service domain, code)."""
    session.expire_all()
    names: dict[Any, Any] = {}
    for c in session.scalars(select(Customer)):
        names["customer_id", c.id] = c.email
    for p in session.scalars(select(BillingProfile)):
        names["billing_profile_id", p.id] = p.company_name or p.name
    for s in session.scalars(select(Service)):
        names["service_id", s.id] = s.domain
    invoices = session.scalars(select(Invoice).order_by(Invoice.number)).all()
    for i in invoices:
        names["invoice_id", i.id] = i.code
    lines = session.scalars(select(InvoiceLine).order_by(InvoiceLine.id)).all()
    events = session.scalars(select(InvoiceEvent).order_by(InvoiceEvent.id)).all()
    outbox = session.scalars(select(OutboxMessage).order_by(OutboxMessage.dedupe_key)).all()
    out_rows = []
    for m in outbox:
        row = _row(m, names)
        for i in invoices:  # the dedupe key carries the proforma's id
            row["dedupe_key"] = row["dedupe_key"].replace(f":{i.id}:", f":{i.code}:")
        out_rows.append(row)
    return {"invoices": [_row(i, names) for i in invoices], "lines": [_row(ln, names) for ln in lines],
            "events": [_row(e, names) for e in events],
            "outbox": sorted(out_rows, key=lambda r: r["dedupe_key"])}


def test_the_run_writes_the_rows_the_per_proforma_path_wrote(session, make, settings):
    _data_set(make)
    summary = run_billing(session, settings, TODAY, batch_size=3)
    assert summary["proformas_issued"] == 8
    got = json.loads(json.dumps(snapshot(session), default=str))
    expected = json.loads(EXPECTED.read_text())
    assert [i["code"] for i in got["invoices"]] == [f"HPF-{n:06d}" for n in range(1, 9)]
    for key in ("invoices", "lines", "events", "outbox"):
        assert len(got[key]) == len(expected[key]), key
        for got_row, expected_row in zip(got[key], expected[key], strict=True):
            assert got_row == expected_row, key
