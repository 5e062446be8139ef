"""Payments into gapless tax invoices; tax invoices never change; VAT rounded per line."""

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hostico.billing.credit_notes import issue_credit_note
from hostico.billing.errors import InvalidTransition, InvoiceNotEditable, PaymentRefused
from hostico.billing.invoicing import LineSpec, create_proforma, recompute
from hostico.billing.payments import record_payment
from hostico.billing.taxes import line_amounts
from hostico.models import AuditLog, Invoice, InvoiceLine, OutboxMessage, Payment
from hostico.web.database import db
from tests.factories import vies_answer

TODAY = dt.date(2026, 6, 1)


def _pay(session, settings, proforma, **kw):
    kw.setdefault("amount", proforma.total)
    kw.setdefault("method", "card")
    kw.setdefault("today", max(TODAY, proforma.issue_date))  # the money cannot arrive before the proforma
    return record_payment(session, proforma.id, settings=settings, **kw)


def test_payment_issues_tax_invoice_with_proforma_lines_and_receipt(session, make, settings):
    c = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    service = make.make_service(c, next_due_date=TODAY)
    proforma = make.make_proforma(c, service=service, amount="49.00")
    payment = _pay(session, settings, proforma, reference="OP 12", method="bank_transfer")
    session.commit()
    tax = session.get(Invoice, payment.tax_invoice_id)
    assert (tax.kind, tax.status, tax.code, tax.proforma_id) == ("tax", "issued", "HST-000001", proforma.id)
    assert [(line.description, line.net, line.vat) for line in tax.lines] == [
        ("Hosting", Decimal("49.00"), Decimal("10.29"))]
    assert tax.total == proforma.total == Decimal("59.29")
    assert proforma.status == "paid"
    receipts = session.execute(select(OutboxMessage.channel).where(OutboxMessage.event == "payment_receipt")).all()
    assert receipts == [("email",)]  # payments never send an SMS
    assert session.scalar(select(AuditLog.action).where(AuditLog.action == "payment.recorded"))


@pytest.mark.parametrize("amount", ["59.30", "0", "-59.29", "NaN"])
def test_wrong_amount_is_refused_and_changes_nothing(session, make, settings, amount):
    c = make.make_customer()
    proforma = make.make_proforma(c, amount="49.00")
    with pytest.raises(PaymentRefused):
        _pay(session, settings, proforma, amount=Decimal(amount))
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
    assert session.get(Invoice, proforma.id).status == "unpaid"


def test_paid_or_cancelled_proforma_and_tax_invoice_cannot_be_paid(session, make, settings):
    c = make.make_customer()
    proforma = make.make_proforma(c)
    payment = _pay(session, settings, proforma)
    session.commit()
    with pytest.raises(PaymentRefused, match="paid"):
        _pay(session, settings, proforma)
    session.rollback()
    tax = session.get(Invoice, payment.tax_invoice_id)
    with pytest.raises(PaymentRefused, match="Only proformas"):
        _pay(session, settings, tax)


def test_same_idempotency_key_records_one_payment(session, make, settings):
    c = make.make_customer()
    proforma = make.make_proforma(c)
    first = _pay(session, settings, proforma, idempotency_key="evt-1")
    session.commit()
    again = _pay(session, settings, proforma, idempotency_key="evt-1")
    assert again.id == first.id
    assert session.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "tax")) == 1


def test_tax_invoice_never_changes_and_credit_note_corrects_it(session, make, settings):
    c = make.make_customer()
    proforma = make.make_proforma(c, amount="100.00")
    tax = session.get(Invoice, _pay(session, settings, proforma).tax_invoice_id)
    session.commit()
    for change in (lambda: setattr(tax, "total", Decimal("1.00")),
                   lambda: setattr(tax, "buyer", {**tax.buyer, "name": "Someone else"}),
                   lambda: setattr(tax.lines[0], "unit_price", Decimal("1.00")),
                   lambda: tax.lines.pop()):
        change()
        with pytest.raises(InvoiceNotEditable):
            session.flush()
        session.rollback()
    with pytest.raises(InvalidTransition):
        recompute(tax, settings)

    note = issue_credit_note(session, tax, settings=settings, today=TODAY, reason="price error")
    session.commit()
    session.expire_all()
    tax = session.get(Invoice, tax.id)
    assert tax.total == Decimal("121.00") and tax.status == "issued"
    assert (note.kind, note.code, note.corrects_id, note.total) == ("credit_note", "HCN-000001", tax.id,
                                                                   Decimal("-121.00"))
    with pytest.raises(InvalidTransition):
        issue_credit_note(session, proforma, settings=settings, today=TODAY, reason="x")


def test_vat_is_rounded_per_line_not_on_the_total(session, make, settings):
    assert line_amounts(Decimal("1"), Decimal("12.50"), Decimal("21")).vat == Decimal("2.63")  # 2.625 half up
    c = make.make_customer()
    specs = [LineSpec("Domain A", Decimal("12.50")), LineSpec("Domain B", Decimal("12.50")),
             LineSpec("Backup", Decimal("2.25"), quantity=Decimal("0.5"), vat_rate=Decimal("9"))]
    proforma = create_proforma(session, c, specs, origin="manual", settings=settings, today=TODAY)
    assert [line.net for line in proforma.lines] == [Decimal("12.50"), Decimal("12.50"), Decimal("1.13")]
    assert [line.vat for line in proforma.lines] == [Decimal("2.63"), Decimal("2.63"), Decimal("0.10")]
    assert proforma.subtotal == Decimal("26.13")
    assert proforma.vat_total == Decimal("5.36")  # per line; 25.00 * 21 % on the total would give 5.25 + 0.10
    assert proforma.total == Decimal("31.49")


def test_reverse_charge_for_eu_vat_registered_company(session, make, settings):
    c = make.make_customer()
    german = make.make_profile(c, kind="company", country="DE", vat_number="DE123456789",
                               vies=vies_answer("DE123456789"))
    proforma = make.make_proforma(c, profile=german, amount="100.00")
    assert proforma.reverse_charge and proforma.vat_total == Decimal("0.00")
    # A customer abroad is invoiced in EUR: 100.00 lei at the (fake) BNR rate 5.0000.
    assert (proforma.currency, proforma.total) == ("EUR", Decimal("20.00"))


def test_money_is_exact_in_the_database(session, make, settings):
    c = make.make_customer()
    proforma = make.make_proforma(c, amount="0.10")
    session.commit()
    session.expire_all()
    line = session.scalars(select(InvoiceLine).where(InvoiceLine.invoice_id == proforma.id)).one()
    assert isinstance(line.net, Decimal) and line.net == Decimal("0.10") and line.vat == Decimal("0.02")


def test_concurrent_payments_yield_gapless_tax_invoice_numbers(app, session, make, settings, engine_name):
    if engine_name != "postgres":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises writers on one file lock)")
    c = make.make_customer()
    ids = [create_proforma(session, c, [LineSpec("Hosting", Decimal("10.00"))], origin="system",
                           settings=settings, today=TODAY).id for _ in range(400)]
    session.commit()
    chunks = [ids[i::8] for i in range(8)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(8)

    def pay_all(chunk):
        barrier.wait()
        for pid in chunk:
            s = Session(bind=db.get(app).engine)
            try:
                record_payment(s, pid, amount=Decimal("12.10"), method="gateway", settings=settings, today=TODAY,
                               idempotency_key=f"evt-{pid}")
                s.commit()
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
                s.rollback()
            finally:
                s.close()

    threads = [threading.Thread(target=pay_all, args=(chunk,)) for chunk in chunks]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    numbers = session.scalars(select(Invoice.number).where(Invoice.kind == "tax").order_by(Invoice.number)).all()
    assert numbers == list(range(1, 401))
    assert session.scalar(select(func.count()).select_from(Payment)) == 400
