"""Importing statements: matched credits pay their proforma once, the rest wait, nothing is recorded twice."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hostico.billing.credit import balance
from hostico.models import AuditLog, BankStatementLine, Invoice, Payment, Service
from hostico.payments.statements import StatementError
from hostico.payments.statements.matching import StatementLineRefused, dismiss_line, import_statement, match_line
from tests.payments.statements.conftest import ISSUED, sample

TODAY = max(dt.date(2026, 12, 1), dt.date.today())  # never before the proformas the factories date today


def _import(session, settings, name, **kw):
    result = import_statement(session, sample(name), settings=settings, today=TODAY, filename=name, **kw)
    session.commit()
    return result


def _count(session, model, *where):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def _reasons(session):
    rows = session.execute(select(BankStatementLine.amount, BankStatementLine.reason)
                           .where(BankStatementLine.status == "unmatched").order_by(BankStatementLine.id)).all()
    return [(str(a), r) for a, r in rows]


@pytest.mark.parametrize("first, overlap", [("camt053_v02.xml", "camt053_v08_overlap.xml"),
                                            ("mt940_statement.sta", "mt940_overlap.sta")])
def test_statement_pays_the_named_proformas_and_keeps_the_rest_unmatched(session, settings, proformas, first,
                                                                        overlap):
    result = _import(session, settings, first)
    assert (result.matched, result.unmatched, result.already_imported, result.debits_ignored) == (3, 3, 1, 1)
    assert result.summary() == "matched 3, unmatched 3, already imported 1"
    session.expire_all()
    p1, p2, p4 = (session.get(Invoice, proformas[k].id) for k in ("p1", "p2", "p4"))
    assert (p1.status, p2.status, p4.status) == ("paid", "paid", "unpaid")
    # "avans HPF-000004": 100.00 of 242.00 is recorded as an advance, the rest stays due
    assert (p4.display_status, p4.amount_paid, p4.amount_due) == ("partly_paid", Decimal("100.00"), Decimal("142.00"))
    advance = session.scalar(select(Invoice).where(Invoice.proforma_id == p4.id, Invoice.kind == "tax"))
    assert advance.total == Decimal("100.00") and advance.lines[0].description == "Avans pentru proforma HPF-000004"
    payment = session.scalar(select(Payment).where(Payment.invoice_id == p1.id))
    assert payment.method == "bank_transfer" and payment.amount == Decimal("121.00")
    assert "BT2611300001" in payment.reference and "RO66BACX0000001234567890" in payment.reference
    assert "STEFANESCU WEB SRL" in payment.reference.upper().replace("Ș", "S").replace("Ă", "A")
    tax = session.get(Invoice, payment.tax_invoice_id)
    assert tax.kind == "tax" and tax.total == Decimal("121.00")
    # the money arrived on the booking date: the tax invoice's collection date
    assert payment.received_on == tax.collected_on == dt.date(2026, 11, 30)
    line = session.scalar(select(BankStatementLine).where(BankStatementLine.payment_id == payment.id))
    assert line.booking_date == dt.date(2026, 11, 30) and line.proforma_id == p1.id
    # paying the proforma lifted the service's nonpayment suspension
    assert session.get(Service, proformas["service"].id).status == "active"
    assert _reasons(session) == [("12.10", "not_unpaid"), ("75.00", "no_reference"), ("75.00", "no_reference")]

    again = _import(session, settings, first)
    assert (again.matched, again.unmatched, again.already_imported) == (0, 0, 7)
    assert _count(session, Payment, Payment.method == "bank_transfer") == 3
    assert _count(session, BankStatementLine) == 6

    # the next day's statement repeats two credits: they are not recorded again; its 242.00 for HPF-000004 is
    # more than the 142.00 left to pay after the advance: it pays it, and the 100.00 more is the customer's credit
    later = _import(session, settings, overlap)
    assert (later.matched, later.unmatched, later.already_imported) == (1, 1, 2)
    session.expire_all()
    p4 = session.get(Invoice, proformas["p4"].id)
    assert (p4.status, p4.amount_paid, p4.amount_due) == ("paid", p4.total, Decimal("0.00"))
    assert balance(session, p4.customer_id, "RON") == Decimal("100.00")
    assert _reasons(session)[-1] == ("60.50", "reversal" if first.startswith("mt940") else "not_unpaid")
    assert _count(session, Payment, Payment.method == "bank_transfer") == 4


def test_an_unreadable_file_records_nothing(session, settings, proformas):
    with pytest.raises(StatementError):
        import_statement(session, b"not a statement", settings=settings, today=TODAY)
    session.rollback()
    assert _count(session, BankStatementLine) == 0 and _count(session, Payment) == 1


def test_wrong_currency_waits_unmatched(session, settings, proformas):
    xml = sample("camt053_v02.xml").replace(b'<Amt Ccy="RON">121.00</Amt>', b'<Amt Ccy="EUR">121.00</Amt>')
    result = import_statement(session, xml, settings=settings, today=TODAY)
    session.commit()
    assert result.matched == 2  # HPF-000002 and the advance for HPF-000004
    line = session.scalar(select(BankStatementLine).where(BankStatementLine.bank_reference == "BT2611300001"))
    assert (line.status, line.reason, line.currency) == ("unmatched", "currency", "EUR")


def test_staff_match_a_part_and_an_exact_one_are_recorded(session, settings, proformas,
                                                                                      make):
    staff = make.make_staff(role="billing")
    small = make.make_proforma(proformas["customer"], amount="10.00", today=ISSUED)  # 12.10
    session.commit()
    _import(session, settings, "camt053_v02.xml")
    no_ref, second = session.scalars(select(BankStatementLine).where(BankStatementLine.reason == "no_reference")
                                     .order_by(BankStatementLine.id)).all()
    assert small.total == Decimal("12.10")  # paying it with more is in tests/payments/test_credit_balance.py
    # 75.00 of the 142.00 left on HPF-000004 (after the statement's 100.00 advance): recorded, 67.00 left
    match_line(session, second.id, "HPF-000004", settings=settings, today=TODAY, staff_id=staff.id)
    session.commit()
    p4 = session.get(Invoice, proformas["p4"].id)
    assert (p4.status, p4.amount_paid, p4.amount_due) == ("unpaid", Decimal("175.00"), Decimal("67.00"))
    with pytest.raises(StatementLineRefused) as err:
        match_line(session, no_ref.id, "HPF-000099", settings=settings, today=TODAY, staff_id=staff.id)
    assert err.value.code == "unknown_proforma"
    session.rollback()
    p5 = make.make_proforma(proformas["customer"], amount="61.98", today=ISSUED)  # 61.98 × 1.21 = 75.00
    later = make.make_proforma(proformas["customer"], amount="61.98", today=dt.date(2026, 12, 1))
    assert p5.total == later.total == Decimal("75.00")
    # a proforma issued after the money arrived cannot be paid by it
    with pytest.raises(StatementLineRefused) as err:
        match_line(session, no_ref.id, later.code, settings=settings, today=TODAY, staff_id=staff.id)
    assert err.value.code == "before_proforma" and err.value.params["booked"] == dt.date(2026, 11, 30)
    session.rollback()
    # 75.00 pays the older proforma of 75.00
    line = match_line(session, no_ref.id, "hpf 6", settings=settings, today=TODAY, staff_id=staff.id, note="phoned")
    session.commit()
    assert line.status == "matched" and line.decided_by_staff_id == staff.id
    assert session.get(Invoice, p5.id).status == "paid"
    assert session.scalar(select(Invoice.collected_on).where(Invoice.proforma_id == p5.id)) == dt.date(2026, 11, 30)
    audit = session.scalar(select(AuditLog).where(AuditLog.action == "payments.statement_line_matched")
                           .order_by(AuditLog.id.desc()))
    assert audit.actor_kind == "staff" and audit.actor_id == staff.id and audit.data["proforma"] == p5.code
    with pytest.raises(StatementLineRefused) as err:
        match_line(session, no_ref.id, p5.code, settings=settings, today=TODAY, staff_id=staff.id)
    assert err.value.code == "not_open"


def test_dismiss_needs_a_note_and_is_audited(session, settings, proformas, make):
    staff = make.make_staff(role="billing")
    _import(session, settings, "camt053_v02.xml")
    line = session.scalar(select(BankStatementLine).where(BankStatementLine.reason == "not_unpaid"))
    with pytest.raises(StatementLineRefused):
        dismiss_line(session, line.id, note="  ", staff_id=staff.id)
    dismiss_line(session, line.id, note="paid twice: refund by bank", staff_id=staff.id)
    session.commit()
    assert _count(session, BankStatementLine, BankStatementLine.status == "dismissed") == 1
    assert _count(session, AuditLog, AuditLog.action == "payments.statement_line_dismissed") == 1


def test_the_same_statement_imported_twice_at_once_records_each_credit_once(app, session, settings, proformas):
    import threading

    from sqlalchemy.orm import Session as OrmSession

    from hostico.web.database import db

    data = sample("camt053_v02.xml")
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        s = OrmSession(bind=db.get(app).engine)
        try:
            barrier.wait()
            results.append(import_statement(s, data, settings=settings, today=TODAY))
            s.commit()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)
            s.rollback()
        finally:
            s.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert sorted((r.matched, r.unmatched) for r in results) == [(0, 0), (3, 3)]
    assert sum(r.already_imported for r in results) == 1 + 7
    assert _count(session, BankStatementLine) == 6
    assert _count(session, Payment, Payment.method == "bank_transfer") == 3


def test_a_credit_booked_before_its_proforma_was_issued_waits(session, settings, make):
    customer = make.make_customer()
    make.make_proforma(customer, amount="100.00", today=dt.date(2026, 12, 1))  # HPF-000001, 121.00
    result = _import(session, settings, "camt053_v02.xml")
    assert result.matched == 0
    line = session.scalar(select(BankStatementLine).where(BankStatementLine.bank_reference == "BT2611300001"))
    assert (line.status, line.reason) == ("unmatched", "before_proforma")


def test_a_credit_for_a_proforma_without_the_buyers_address_waits_for_staff(session, settings, proformas):
    """Its tax invoice cannot be issued (docs/fiscal.md): the import goes on, the credit stays unmatched."""
    p1 = proformas["p1"]
    p1.buyer = {**p1.buyer, "address": "", "city": ""}  # issued before addresses were required
    session.commit()
    result = _import(session, settings, "camt053_v02.xml")
    assert (result.matched, result.unmatched) == (2, 4)
    session.expire_all()
    assert session.get(Invoice, p1.id).status == "unpaid"
    line = session.scalar(select(BankStatementLine).where(BankStatementLine.amount == Decimal("121.00")))
    assert (line.status, line.reason) == ("unmatched", "refused") and "full billing data" in line.note
