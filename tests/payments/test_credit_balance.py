"""The customer credit balance (docs/payments.md, "Customer credit balance"): money that pays no proforma is credited
(an overpayment's excess, a second card charge, an unmatched bank credit staff assign), applied by staff to an
unpaid proforma (a payment of method "credit" with its tax invoice) or refunded (the card's gateway, or a
recorded bank refund); never lost, never counted twice."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hostico.billing.credit import (
    Balance,
    CreditRefused,
    balance,
    balances,
    balances_column,
    balances_from_column,
    customers_with_credit,
)
from hostico.billing.credit_apply import apply_credit
from hostico.billing.errors import PaymentRefused
from hostico.billing.payments import record_payment
from hostico.efactura.ubl import build_document
from hostico.efactura.validate import validate_document
from hostico.models import AuditLog, BankStatementLine, CreditEntry, Invoice, Payment
from hostico.payments.checkout import apply_notification
from hostico.payments.errors import GatewayUnavailable, RefundRefused
from hostico.payments.gateways.base import PAID, Notification, RefundResult
from hostico.payments.gateways.sandbox import SandboxGateway
from hostico.payments.refunds import refund_card_payment, refund_credit
from hostico.payments.statements.matching import StatementLineRefused, credit_line, import_statement, match_line
from hostico.web.database import db

TODAY = dt.date.today()


class Gateway:
    """A gateway whose refunds are counted; `fail` makes it refuse or not answer."""

    name = "sandbox"

    def __init__(self, fail: Exception | None = None):
        self.fail, self.calls = fail, []

    def refund(self, *, transaction_id: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        self.calls.append((transaction_id, amount, currency, idempotency_key))
        if self.fail is not None:
            raise self.fail
        return RefundResult(refund_id=f"re_{len(self.calls)}")


def _count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _pay(session, settings, proforma, amount, **kw):
    kw.setdefault("method", "bank_transfer")
    return record_payment(session, proforma.id, amount=Decimal(amount), settings=settings, today=TODAY, **kw)


def _second_charge(session, settings, make, customer, proforma, *, transaction: str = "sbx_0011223344556677_4242"):
    """Pay `proforma` by bank, then let a card checkout started before for it be paid too: a second charge."""
    checkout = make.make_checkout(customer, [proforma])
    _pay(session, settings, proforma, proforma.total, reference="OP 1")
    note = Notification(reference=checkout.reference, status=PAID, amount=checkout.amount, currency="RON",
                        event_id="evt_late", transaction_id=transaction)
    assert apply_notification(session, note, gateway="sandbox", settings=settings, today=TODAY) == "recorded"
    session.commit()
    return checkout


# -- credited ---------------------------------------------------------------------------------------------


def test_a_bank_transfer_larger_than_the_proforma_pays_it_and_credits_the_excess(session, settings, make):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")  # 121.00
    with pytest.raises(PaymentRefused):  # without the caller's consent more is still refused
        _pay(session, settings, proforma, "150.00")
    session.rollback()
    payment = _pay(session, settings, proforma, "150.00", reference="OP 7", idempotency_key="staff-transfer:a",
                   excess_to_credit=True)
    session.commit()
    assert payment.amount == Decimal("121.00")
    assert session.get(Invoice, payment.tax_invoice_id).total == Decimal("121.00")
    assert session.get(Invoice, proforma.id).status == "paid"
    entry = session.scalars(select(CreditEntry)).one()
    assert (entry.reason, entry.amount, entry.currency, entry.payment_id, entry.invoice_id) == (
        "overpayment", Decimal("29.00"), "RON", payment.id, proforma.id)
    assert balances(session, customer.id)[0].amount == Decimal("29.00")
    # the same transfer delivered again records nothing twice
    again = _pay(session, settings, proforma, "150.00", idempotency_key="staff-transfer:a", excess_to_credit=True)
    session.commit()
    assert again.id == payment.id and _count(session, CreditEntry) == 1
    assert session.scalars(select(AuditLog).where(AuditLog.action == "credit.added")).one().data["balance"] == "29.00"


def test_a_statement_line_larger_than_what_is_left_pays_it_and_credits_the_rest(session, settings, make):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00", today=TODAY - dt.timedelta(days=3))
    _pay(session, settings, proforma, "21.00")  # an advance: 100.00 left
    session.commit()
    xml = _camt(proforma.code, "130.00")
    result = import_statement(session, xml, settings=settings, today=TODAY)
    session.commit()
    assert (result.matched, result.unmatched) == (1, 0)
    line = session.scalars(select(BankStatementLine)).one()
    payment = session.get(Payment, line.payment_id)
    assert payment.amount == Decimal("100.00") and session.get(Invoice, proforma.id).status == "paid"
    assert balance(session, customer.id, "RON") == Decimal("30.00")
    # the same statement again: nothing new
    import_statement(session, xml, settings=settings, today=TODAY)
    session.commit()
    assert balance(session, customer.id, "RON") == Decimal("30.00")


def test_staff_match_more_than_is_left_credits_the_rest(session, settings, make):
    staff = make.make_staff(role="billing")
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="10.00", today=TODAY - dt.timedelta(days=3))  # 12.10
    session.commit()
    import_statement(session, _camt("no number", "75.00"), settings=settings, today=TODAY)
    line = session.scalars(select(BankStatementLine)).one()
    assert line.reason == "no_reference"
    match_line(session, line.id, proforma.code, settings=settings, today=TODAY, staff_id=staff.id)
    session.commit()
    assert balance(session, customer.id, "RON") == Decimal("62.90")
    entry = session.scalars(select(CreditEntry)).one()
    assert entry.actor_kind == "staff" and entry.actor_id == staff.id


def test_a_second_card_charge_for_a_paid_proforma_becomes_credit_once(session, settings, make):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    checkout = _second_charge(session, settings, make, customer, proforma)
    entry = session.scalars(select(CreditEntry)).one()
    assert (entry.reason, entry.amount, entry.checkout_id, entry.invoice_id) == (
        "second_charge", Decimal("121.00"), checkout.id, proforma.id)
    assert _count(session, Payment) == 1  # the bank transfer only: the card money paid nothing
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "checkout.paid")).one()
    assert audit.data["not_applied"] == [proforma.code]
    note = Notification(reference=checkout.reference, status=PAID, amount=checkout.amount, currency="RON",
                        event_id="evt_late", transaction_id="sbx_0011223344556677_4242")
    assert apply_notification(session, note, gateway="sandbox", settings=settings, today=TODAY) == "duplicate"
    session.commit()
    assert balance(session, customer.id, "RON") == Decimal("121.00")
    assert customers_with_credit(session)[0][0].id == customer.id


def test_staff_assign_an_unmatched_bank_credit_to_a_customer(session, settings, make):
    staff = make.make_staff(role="billing")
    customer = make.make_customer()
    session.commit()
    import_statement(session, _camt("gift", "50.00"), settings=settings, today=TODAY)
    session.commit()
    line = session.scalars(select(BankStatementLine)).one()
    with pytest.raises(StatementLineRefused) as err:
        credit_line(session, line.id, "nobody@example.com", staff_id=staff.id)
    assert err.value.code == "unknown_customer"
    session.rollback()
    entry = credit_line(session, line.id, customer.email.upper(), staff_id=staff.id, note="phoned: prepayment")
    session.commit()
    assert (entry.reason, entry.amount, entry.bank_line_id, entry.actor_id) == ("bank_credit", Decimal("50.00"),
                                                                                 line.id, staff.id)
    assert session.get(BankStatementLine, line.id).status == "credited"
    with pytest.raises(StatementLineRefused) as err:  # assigned twice: refused, credited once
        credit_line(session, line.id, f"#{customer.id}", staff_id=staff.id)
    assert err.value.code == "not_open"
    session.rollback()
    assert balance(session, customer.id, "RON") == Decimal("50.00")
    assert session.scalars(select(AuditLog).where(AuditLog.action == "payments.statement_line_credited")).one()


def test_the_ledger_refuses_an_entry_of_the_wrong_sign_or_without_its_source(session, make):
    customer = make.make_customer()
    session.commit()
    for bad in (dict(reason="applied", amount=Decimal("5.00")), dict(reason="bank_credit", amount=Decimal("5.00")),
                dict(reason="refund_bank", amount=Decimal("0.00"))):
        session.add(CreditEntry(customer_id=customer.id, currency="RON", actor_kind="staff", **bad))
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()


def test_the_balance_read_as_a_column_of_another_query_equals_the_balance(session, settings, make):
    customer, _staff = _credited(session, settings, make)
    nobody = make.make_customer()
    session.commit()
    for who in (customer, nobody):  # one statement, as My Invoices reads it beside its list
        text = session.scalar(select(balances_column()), {"customer_id": who.id})
        assert balances_from_column(text) == balances(session, who.id)
    assert balances(session, customer.id) == [Balance("RON", Decimal("29.00"))]
    assert balances_from_column(None) == []
    assert balances_from_column("EUR:-5 RON:2900 USD:123456") == [
        Balance("RON", Decimal("29.00")), Balance("EUR", Decimal("-0.05")), Balance("USD", Decimal("1234.56"))]


# -- applied ----------------------------------------------------------------------------------------------


def _credited(session, settings, make, amount: str = "150.00"):
    """A customer with 29.00 RON of credit (an overpayment of a 121.00 proforma), and a staff member."""
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    _pay(session, settings, proforma, amount, excess_to_credit=True, idempotency_key=f"op-{customer.id}")
    staff = make.make_staff(role="billing")
    session.commit()
    return customer, staff


def test_credit_pays_part_of_a_proforma_with_an_advance_invoice_that_validates(session, settings, make):
    customer, staff = _credited(session, settings, make)
    next_one = make.make_proforma(customer, amount="100.00")
    session.commit()
    payment = apply_credit(session, customer.id, next_one.id, amount=None, settings=settings, today=TODAY,
                           staff_id=staff.id, key="k1")
    session.commit()
    assert (payment.method, payment.amount, payment.recorded_by_staff_id) == ("credit", Decimal("29.00"), staff.id)
    tax = session.get(Invoice, payment.tax_invoice_id)
    assert tax.total == Decimal("29.00") and tax.collected_on == TODAY
    assert [str(f) for f in validate_document(build_document(tax))] == []
    proforma = session.get(Invoice, next_one.id)
    assert (proforma.display_status, proforma.amount_due) == ("partly_paid", Decimal("92.00"))
    assert balance(session, customer.id, "RON") == Decimal("0.00") and balances(session, customer.id) == []
    applied = session.scalars(select(CreditEntry).where(CreditEntry.reason == "applied")).one()
    assert (applied.amount, applied.payment_id, applied.invoice_id) == (Decimal("-29.00"), payment.id, next_one.id)
    assert session.scalars(select(AuditLog).where(AuditLog.action == "credit.applied")).one().data["balance"] == "0.00"
    # the same form sent again answers with the same payment
    again = apply_credit(session, customer.id, next_one.id, amount=None, settings=settings, today=TODAY,
                         staff_id=staff.id, key="k1")
    assert again.id == payment.id and _count(session, Payment, Payment.method == "credit") == 1


def test_credit_larger_than_what_is_due_pays_the_proforma_and_the_rest_stays(session, settings, make):
    customer, staff = _credited(session, settings, make, amount="200.00")  # 79.00 of credit
    small = make.make_proforma(customer, amount="10.00")  # 12.10
    session.commit()
    payment = apply_credit(session, customer.id, small.id, amount=None, settings=settings, today=TODAY,
                           staff_id=staff.id, key="k2")
    session.commit()
    assert payment.amount == Decimal("12.10") and session.get(Invoice, small.id).status == "paid"
    tax = session.get(Invoice, payment.tax_invoice_id)
    assert [str(f) for f in validate_document(build_document(tax))] == []
    assert balance(session, customer.id, "RON") == Decimal("66.90")


def test_apply_refuses_more_than_the_balance_another_customers_proforma_and_a_paid_one(session, settings, make):
    customer, staff = _credited(session, settings, make)
    mine = make.make_proforma(customer, amount="100.00")
    theirs = make.make_proforma(make.make_customer(), amount="100.00")
    session.commit()
    refusals = [
        (dict(proforma_id=mine.id, amount=Decimal("29.01")), "more_than_balance"),
        (dict(proforma_id=theirs.id, amount=Decimal("1.00")), "not_customers_proforma"),
        (dict(proforma_id=mine.id, amount=Decimal("-1")), "bad_amount"),
        (dict(proforma_id=10**9, amount=None), "not_customers_proforma"),
    ]
    for kw, code in refusals:
        with pytest.raises(CreditRefused) as err:
            apply_credit(session, customer.id, settings=settings, today=TODAY, staff_id=staff.id, key=code, **kw)
        assert err.value.code == code
        session.rollback()
    paid = session.scalars(select(Invoice).where(Invoice.customer_id == customer.id, Invoice.status == "paid")).first()
    with pytest.raises(CreditRefused) as err:
        apply_credit(session, customer.id, paid.id, amount=None, settings=settings, today=TODAY, staff_id=staff.id,
                     key="paid")
    assert err.value.code == "not_payable"
    session.rollback()
    assert balance(session, customer.id, "RON") == Decimal("29.00")
    assert _count(session, Payment, Payment.method == "credit") == 0
    assert session.get(Invoice, theirs.id).amount_paid == 0


def test_two_applies_at_once_never_spend_the_credit_twice(app, session, settings, make, engine_name):
    if engine_name != "postgres":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises writers on one file lock)")
    customer, staff = _credited(session, settings, make)  # 29.00
    targets = [make.make_proforma(customer, amount="100.00").id for _ in range(2)]
    session.commit()
    customer_id, staff_id = customer.id, staff.id  # the threads never touch the test's session
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def apply(proforma_id: int, key: str) -> None:
        s = Session(bind=db.get(app).engine)
        try:
            barrier.wait()
            apply_credit(s, customer_id, proforma_id, amount=Decimal("20.00"), settings=settings, today=TODAY,
                         staff_id=staff_id, key=key)
            s.commit()
            outcomes.append("applied")
        except CreditRefused as err:
            s.rollback()
            outcomes.append(err.code)
        finally:
            s.close()

    threads = [threading.Thread(target=apply, args=(pid, f"race-{pid}")) for pid in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["applied", "more_than_balance"]
    session.expire_all()
    assert balance(session, customer.id, "RON") == Decimal("9.00")
    assert _count(session, Payment, Payment.method == "credit") == 1


def test_the_same_apply_sent_twice_at_once_is_recorded_once(app, session, settings, make, engine_name):
    if engine_name != "postgres":
        pytest.skip("needs PostgreSQL row locks (SQLite serialises writers on one file lock)")
    customer, staff = _credited(session, settings, make)
    target = make.make_proforma(customer, amount="100.00").id
    session.commit()
    customer_id, staff_id = customer.id, staff.id  # the threads never touch the test's session
    barrier = threading.Barrier(2)
    ids: list[int] = []

    def apply() -> None:
        s = Session(bind=db.get(app).engine)
        try:
            barrier.wait()
            ids.append(apply_credit(s, customer_id, target, amount=Decimal("10.00"), settings=settings, today=TODAY,
                                    staff_id=staff_id, key="same").id)
            s.commit()
        finally:
            s.close()

    threads = [threading.Thread(target=apply) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(ids) == 2 and ids[0] == ids[1]
    session.expire_all()
    assert balance(session, customer.id, "RON") == Decimal("19.00")


# -- refunded ---------------------------------------------------------------------------------------------


def test_card_credit_goes_back_through_the_gateway_of_its_charge(session, settings, make):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    checkout = _second_charge(session, settings, make, customer, proforma)
    source = session.scalars(select(CreditEntry)).one()
    staff = make.make_staff(role="billing")
    gateway = Gateway()
    entry = refund_credit(session, customer.id, currency="", amount="100.00", reason="charged twice",
                          staff_id=staff.id, key="r1", gateway_for=lambda name: gateway, source_entry_id=source.id)
    session.commit()
    key = f"hostico-credit-refund-{source.id}-1"
    assert gateway.calls == [(checkout.transaction_id, Decimal("100.00"), "RON", key)]
    assert (entry.reason, entry.amount, entry.provider_refund_id, entry.checkout_id) == (
        "refund_card", Decimal("-100.00"), "re_1", checkout.id)
    assert balance(session, customer.id, "RON") == Decimal("21.00")
    # the same form again: the refund already made, the gateway not asked again
    assert refund_credit(session, customer.id, currency="", amount="100.00", reason="x", staff_id=staff.id,
                         key="r1", gateway_for=lambda name: gateway, source_entry_id=source.id).id == entry.id
    # a second refund of more than is left of the charge: refused before the gateway
    with pytest.raises(CreditRefused) as err:
        refund_credit(session, customer.id, currency="", amount="21.01", reason="again", staff_id=staff.id,
                      key="r2", gateway_for=lambda name: gateway, source_entry_id=source.id)
    assert err.value.code == "more_than_balance" and len(gateway.calls) == 1
    session.rollback()
    refund_credit(session, customer.id, currency="", amount="21.00", reason="rest", staff_id=staff.id, key="r3",
                  gateway_for=lambda name: gateway, source_entry_id=source.id)
    session.commit()
    assert gateway.calls[-1][3] == f"hostico-credit-refund-{source.id}-2"
    with pytest.raises(CreditRefused) as err:  # refunding twice: nothing left
        refund_credit(session, customer.id, currency="", amount="0.01", reason="twice", staff_id=staff.id,
                      key="r4", gateway_for=lambda name: gateway, source_entry_id=source.id)
    assert err.value.code == "more_than_balance"
    session.rollback()
    assert balance(session, customer.id, "RON") == Decimal("0.00") and len(gateway.calls) == 2


@pytest.mark.parametrize("failure", [RefundRefused("refund_refused", "no"), GatewayUnavailable("timeout", "slow")])
def test_a_gateway_refund_failure_leaves_the_balance_unchanged(session, settings, make, failure):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    _second_charge(session, settings, make, customer, proforma)
    source = session.scalars(select(CreditEntry)).one()
    gateway = Gateway(fail=failure)
    with pytest.raises(CreditRefused) as err:
        refund_credit(session, customer.id, currency="", amount="50.00", reason="x", staff_id=1, key="f1",
                      gateway_for=lambda name: gateway, source_entry_id=source.id)
    assert err.value.code == "gateway" and len(gateway.calls) == 1
    session.rollback()
    assert balance(session, customer.id, "RON") == Decimal("121.00")
    assert _count(session, CreditEntry) == 1


def test_the_sandbox_refuses_a_refund_of_its_refusing_card(session, settings, make):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    _second_charge(session, settings, make, customer, proforma, transaction="sbx_0011223344556677_5126")
    source = session.scalars(select(CreditEntry)).one()
    with pytest.raises(CreditRefused):
        refund_credit(session, customer.id, currency="", amount="1.00", reason="x", staff_id=1, key="s1",
                      gateway_for=lambda name: SandboxGateway.__new__(SandboxGateway), source_entry_id=source.id)
    session.rollback()
    assert balance(session, customer.id, "RON") == Decimal("121.00")


def test_a_bank_refund_is_recorded_with_the_iban_and_never_more_than_the_balance(session, settings, make):
    customer, staff = _credited(session, settings, make)
    refusing = Gateway(fail=AssertionError("a bank refund never asks a gateway"))
    with pytest.raises(CreditRefused) as err:
        refund_credit(session, customer.id, currency="RON", amount="10.00", reason="x", staff_id=staff.id,
                      key="b0", gateway_for=lambda name: refusing)
    assert err.value.code == "iban_required"
    session.rollback()
    with pytest.raises(CreditRefused) as err:
        refund_credit(session, customer.id, currency="RON", amount="29.01", reason="x", staff_id=staff.id,
                      key="b1", gateway_for=lambda name: refusing, iban="RO49 AAAA 1B31 0075 9384 0000")
    assert err.value.code == "more_than_balance"
    session.rollback()
    with pytest.raises(CreditRefused) as err:  # another customer's card credit is not this customer's
        refund_credit(session, customer.id, currency="RON", amount="1.00", reason="x", staff_id=staff.id,
                      key="b2", gateway_for=lambda name: refusing, source_entry_id=10**9)
    assert err.value.code == "not_card_credit"
    session.rollback()
    entry = refund_credit(session, customer.id, currency="RON", amount="29.00", reason="customer asked",
                          staff_id=staff.id, key="b3", gateway_for=lambda name: refusing,
                          iban="ro49 aaaa 1b31 0075 9384 0000", bank_reference="OP 55")
    session.commit()
    assert (entry.reason, entry.amount) == ("refund_bank", Decimal("-29.00"))
    assert entry.note == "IBAN RO49AAAA1B31007593840000; OP 55; customer asked"
    assert balance(session, customer.id, "RON") == Decimal("0.00")
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "credit.refunded")).one()
    assert audit.data["how"] == "refund_bank" and audit.data["balance"] == "0.00"
    with pytest.raises(CreditRefused):  # twice: nothing left
        refund_credit(session, customer.id, currency="RON", amount="29.00", reason="again", staff_id=staff.id,
                      key="b4", gateway_for=lambda name: refusing, iban="RO49AAAA1B31007593840000")
    session.rollback()
    assert balance(session, customer.id, "RON") == Decimal("0.00")


# -- refunds of advances --------------------------------------------------------------------------------------


def test_refunding_an_advance_lowers_what_the_proforma_shows_paid_and_the_final_invoice_adds_up(session, settings,
                                                                                              make):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="490.00")  # 592.90
    checkout = make.make_checkout(customer, [proforma])
    _pay(session, settings, proforma, "300.00")  # an advance by bank; the card checkout was for the whole
    session.commit()
    # a card advance: record it as the checkout's payment of part of the proforma
    card = record_payment(session, proforma.id, amount=Decimal("100.00"), method="card", settings=settings,
                          today=TODAY, idempotency_key="card-part")
    card.checkout_id = checkout.id
    checkout.status, checkout.transaction_id = "paid", "sbx_0011223344556677_4242"
    session.commit()
    assert session.get(Invoice, proforma.id).amount_paid == Decimal("400.00")
    refund_card_payment(session, card.id, amount="40.00", reason="partial", staff_id=1,
                        gateway_for=lambda name: Gateway(), settings=settings, today=TODAY)
    session.commit()
    proforma = session.get(Invoice, proforma.id)
    assert (proforma.display_status, proforma.amount_paid, proforma.amount_due) == (
        "partly_paid", Decimal("360.00"), Decimal("232.90"))
    refund_card_payment(session, card.id, amount="60.00", reason="rest", staff_id=1,
                        gateway_for=lambda name: Gateway(), settings=settings, today=TODAY)
    session.commit()
    assert session.get(Invoice, proforma.id).amount_paid == Decimal("300.00")
    rest = _pay(session, settings, proforma, "292.90")
    session.commit()
    final = session.get(Invoice, rest.tax_invoice_id)
    # the final invoice deducts the bank advance and nothing of the refunded card advance
    assert final.total == Decimal("292.90") and session.get(Invoice, proforma.id).status == "paid"
    assert [str(f) for f in validate_document(build_document(final))] == []


def test_refunding_the_only_advance_makes_the_proforma_unpaid_again(session, settings, make):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    checkout = make.make_checkout(customer, [proforma])
    card = record_payment(session, proforma.id, amount=Decimal("50.00"), method="card", settings=settings,
                          today=TODAY, idempotency_key="card-adv")
    card.checkout_id = checkout.id
    checkout.status, checkout.transaction_id = "paid", "sbx_0011223344556677_4242"
    session.commit()
    refund_card_payment(session, card.id, amount="50.00", reason="cancelled", staff_id=1,
                        gateway_for=lambda name: Gateway(), settings=settings, today=TODAY)
    session.commit()
    proforma = session.get(Invoice, proforma.id)
    assert (proforma.display_status, proforma.amount_paid, proforma.amount_due) == ("unpaid", 0, Decimal("121.00"))
    whole = _pay(session, settings, proforma, "121.00")
    session.commit()
    assert session.get(Invoice, whole.tax_invoice_id).total == Decimal("121.00")


def _camt(remittance: str, amount: str) -> bytes:
    """A one-credit CAMT.053 statement booked today."""
    day = TODAY.isoformat()
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
<GrpHdr><MsgId>M1</MsgId><CreDtTm>{day}T10:00:00</CreDtTm></GrpHdr>
<Stmt><Id>S1</Id><CreDtTm>{day}T10:00:00</CreDtTm><Acct><Id><IBAN>RO49AAAA1B31007593840000</IBAN></Id></Acct>
<Ntry><Amt Ccy="RON">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><BookgDt><Dt>{day}</Dt></BookgDt>
<ValDt><Dt>{day}</Dt></ValDt><AcctSvcrRef>REF-{remittance[:8]}-{amount}</AcctSvcrRef><BkTxCd/>
<NtryDtls><TxDtls><RltdPties><Dbtr><Nm>Ion Popescu</Nm></Dbtr></RltdPties>
<RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>
</Stmt></BkToCstmrStmt></Document>""".encode()
