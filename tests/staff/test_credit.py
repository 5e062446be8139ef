"""Staff see and use customers' credit balances (docs/staff-area.md, docs/payments.md "Customer credit balance"):
the list, the customer page, apply and refund (POST, CSRF, confirmed, audited); the customer sees it too."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from sqlalchemy import func, select

from hostico.billing.credit import balance
from hostico.billing.payments import record_payment
from hostico.models import AuditLog, BankStatementImport, BankStatementLine, CreditEntry, Invoice, Payment
from hostico.payments.checkout import apply_notification
from hostico.payments.gateways.base import PAID, Notification


def _overpaid(session, settings, make, amount: str = "150.00"):
    """A customer whose 121.00 proforma was paid with `amount` by bank: the rest is credit."""
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    record_payment(session, proforma.id, amount=Decimal(amount), method="bank_transfer", settings=settings,
                   today=dt.date.today(), excess_to_credit=True, idempotency_key=f"op-{customer.id}")
    session.commit()
    return customer


def _nonce(page: str, action: str) -> str:
    form = page[page.index(f'action="{action}"'):]
    return re.search(r'name="nonce"[^>]*value="([^"]+)"', form[:form.index("</form>")]).group(1)


def test_customer_page_and_list_show_the_credit_and_staff_apply_it(client, session, settings, make, login_staff):
    customer = _overpaid(session, settings, make)
    target = make.make_proforma(customer, amount="100.00")
    session.commit()
    login_staff(client, make.make_staff(role="billing"))
    listing = client.get("/staff/credit").get_data(as_text=True)
    assert customer.name in listing and "29.00" in listing
    page = client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert 'id="credit"' in page and "paid more than was due" in page and "Apply credit" in page
    action = f"/staff/customers/{customer.id}/credit/apply"
    # the first POST asks (docs/staff-area.md, "Confirming destructive actions"); nothing happens yet
    nonce = _nonce(page, action)
    resp = client.post_form(action, {"proforma": target.id, "nonce": nonce},
                            token_from=f"/staff/customers/{customer.id}")
    asked = resp.get_data(as_text=True)
    assert resp.status_code == 200 and f"Apply credit to {target.code}?" in asked
    assert 'name="confirm" value="yes"' in asked and f'value="{nonce}"' in asked
    assert balance(session, customer.id, "RON") == Decimal("29.00")
    for _ in range(2):  # the confirmed form sent twice applies once
        resp = client.post_form(action, {"proforma": target.id, "confirm": "yes", "nonce": nonce},
                                token_from=f"/staff/customers/{customer.id}")
        assert resp.status_code == 303
    landing = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "29.00 RON of credit applied; tax invoice HST-" in landing
    session.expire_all()
    assert balance(session, customer.id, "RON") == Decimal("0.00")
    assert session.scalar(select(func.count()).select_from(Payment).where(Payment.method == "credit")) == 1
    assert session.get(Invoice, target.id).amount_paid == Decimal("29.00")
    assert "No customer holds credit." in client.get("/staff/credit").get_data(as_text=True)
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "credit.applied")).one()
    assert audit.actor_kind == "staff" and audit.data["proforma"] == target.code


def test_apply_refusals_are_shown_and_another_customers_proforma_is_404(client, session, settings, make,
                                                                        login_staff):
    customer = _overpaid(session, settings, make)
    mine = make.make_proforma(customer, amount="100.00")
    theirs = make.make_proforma(make.make_customer(), amount="100.00")
    session.commit()
    login_staff(client, make.make_staff(role="billing"))
    action = f"/staff/customers/{customer.id}/credit/apply"
    resp = client.post_form(action, {"proforma": theirs.id, "confirm": "y", "nonce": "n1"},
                            token_from=f"/staff/customers/{customer.id}")
    assert resp.status_code == 404
    resp = client.post_form(action, {"proforma": mine.id, "amount": "29.01", "confirm": "y", "nonce": "n2"},
                            token_from=f"/staff/customers/{customer.id}")
    assert "more than the customer&#39;s credit of 29.00 RON" in client.get(resp.headers["Location"]).get_data(
        as_text=True)
    session.expire_all()
    assert balance(session, customer.id, "RON") == Decimal("29.00")
    assert session.get(Invoice, theirs.id).amount_paid == 0


def test_support_cannot_apply_or_refund(client, session, settings, make, login_staff):
    customer = _overpaid(session, settings, make)
    login_staff(client, make.make_staff(role="support"))
    page = client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert "29.00" in page and "Apply credit" not in page and "Refund credit" not in page
    for action in ("apply", "refund"):
        resp = client.post_form(f"/staff/customers/{customer.id}/credit/{action}", {"confirm": "y", "nonce": "n"},
                                token_from=f"/staff/customers/{customer.id}")
        assert resp.status_code == 403


def test_a_bank_refund_is_recorded_and_audited(client, session, settings, make, login_staff):
    customer = _overpaid(session, settings, make)
    login_staff(client, make.make_staff(role="billing"))
    action = f"/staff/customers/{customer.id}/credit/refund"
    data = {"source": "bank:RON", "amount": "29.00", "iban": "RO49AAAA1B31007593840000", "reference": "",
            "bank_reference": "OP 9", "reason": "customer asked", "confirm": "y", "nonce": "r1"}
    resp = client.post_form(action, {**data, "iban": ""}, token_from=f"/staff/customers/{customer.id}")
    assert "Enter the IBAN the money is sent to." in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert session.scalars(select(AuditLog).where(AuditLog.action == "credit.refund_refused")).one()
    asked = client.post_form(action, {**data, "confirm": ""}, token_from=f"/staff/customers/{customer.id}")
    assert asked.status_code == 200 and "Refund 29.00 RON of credit?" in asked.get_data(as_text=True)
    assert "RO49AAAA1B31007593840000" in asked.get_data(as_text=True)
    assert balance(session, customer.id, "RON") == Decimal("29.00")
    resp = client.post_form(action, data, token_from=f"/staff/customers/{customer.id}")
    assert "Bank refund of 29.00 RON recorded" in client.get(resp.headers["Location"]).get_data(as_text=True)
    resp = client.post_form(action, data, token_from=f"/staff/customers/{customer.id}")  # sent again: once
    session.expire_all()
    assert balance(session, customer.id, "RON") == Decimal("0.00")
    refund = session.scalars(select(CreditEntry).where(CreditEntry.reason == "refund_bank")).one()
    assert refund.note.startswith("IBAN RO49AAAA1B31007593840000; OP 9")


def test_card_credit_is_refunded_through_the_sandbox_and_a_refusing_card_changes_nothing(client, session, settings,
                                                                                       make, login_staff):
    results = {}
    for last4 in ("4242", "5126"):
        customer = make.make_customer()
        proforma = make.make_proforma(customer, amount="100.00")
        checkout = make.make_checkout(customer, [proforma])
        record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                       today=dt.date.today())
        note = Notification(reference=checkout.reference, status=PAID, amount=checkout.amount, currency="RON",
                            event_id=f"evt_{last4}", transaction_id=f"sbx_0011223344556677_{last4}")
        apply_notification(session, note, gateway="sandbox", settings=settings, today=dt.date.today())
        session.commit()
        source = session.scalars(select(CreditEntry).where(CreditEntry.checkout_id == checkout.id)).one()
        results[last4] = (customer, checkout, source)
    login_staff(client, make.make_staff(role="admin"))
    for last4, expected in (("4242", "Refunded 121.00 RON to the card"), ("5126", "The gateway refused the refund")):
        customer, checkout, source = results[last4]
        page = client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
        assert f"To the card of checkout {checkout.reference}" in page
        resp = client.post_form(f"/staff/customers/{customer.id}/credit/refund",
                                {"source": f"card:{source.id}", "amount": "121.00", "reason": "charged twice",
                                 "confirm": "y", "nonce": f"c{last4}"}, token_from=f"/staff/customers/{customer.id}")
        assert expected in client.get(resp.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert balance(session, results["4242"][0].id, "RON") == Decimal("0.00")
    assert balance(session, results["5126"][0].id, "RON") == Decimal("121.00")
    # a card credit of another customer is not this one's
    other, foreign = results["5126"][0], results["4242"][2]
    resp = client.post_form(f"/staff/customers/{other.id}/credit/refund",
                            {"source": f"card:{foreign.id}", "amount": "1.00", "reason": "x", "confirm": "y",
                             "nonce": "forged"}, token_from=f"/staff/customers/{other.id}")
    assert resp.status_code == 404


def test_an_unmatched_credit_is_assigned_to_a_customer_as_credit(client, session, make, login_staff):
    customer = make.make_customer()
    batch = BankStatementImport(format="camt053", sha256="0" * 64)
    session.add(batch)
    session.flush()
    line = BankStatementLine(import_id=batch.id, entry_key="acct|ref:1", amount=Decimal("50.00"), currency="RON",
                             booking_date=dt.date.today(), payer_name="Ion Popescu", status="unmatched",
                             reason="no_reference")
    session.add(line)
    session.commit()
    login_staff(client, make.make_staff(role="billing"))
    page = client.get("/staff/payments/unmatched").get_data(as_text=True)
    assert "Assign to customer as credit" in page
    url = f"/staff/payments/lines/{line.id}/credit"
    resp = client.post_form(url, {"customer": customer.email}, token_from="/staff/payments/unmatched")
    assert resp.status_code == 200 and "Assign 50.00 RON as credit?" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(BankStatementLine, line.id).status == "unmatched"
    resp = client.post_form(url, {"customer": "nobody@example.com", "confirm": "y"},
                            token_from="/staff/payments/unmatched")
    assert resp.status_code == 422 and "There is no customer nobody@example.com." in resp.get_data(as_text=True)
    resp = client.post_form(url, {"customer": str(customer.id), "confirm": "y", "note": "prepayment"},
                            token_from="/staff/payments/unmatched")
    assert resp.status_code == 303
    assert f"50.00 RON is now credit of customer #{customer.id}" in client.get(resp.headers["Location"]).get_data(
        as_text=True)
    session.expire_all()
    assert session.get(BankStatementLine, line.id).status == "credited"
    assert balance(session, customer.id, "RON") == Decimal("50.00")
    credited = client.get("/staff/payments/unmatched?status=credited").get_data(as_text=True)
    assert "credited to a customer" in credited


def test_the_customer_sees_their_credit_on_the_dashboard_and_my_invoices_in_both_languages(client, session, settings,
                                                                                          make, login_as):
    customer = make.make_customer(language="ro")
    login_as(client, customer)
    assert "Your credit balance" not in client.get("/?lang=en").get_data(as_text=True)
    _overpaid_for(session, settings, customer)
    for path in ("/", "/invoices"):
        english = client.get(f"{path}?lang=en").get_data(as_text=True)
        assert "Your credit balance" in english and "29.00" in english
        romanian = client.get(f"{path}?lang=ro").get_data(as_text=True)
        assert "Soldul dumneavoastră de credit" in romanian and "29,00 lei" in romanian


def _overpaid_for(session, settings, customer):
    from tests.factories import make_proforma

    proforma = make_proforma(session, customer, settings=settings, amount="100.00")
    record_payment(session, proforma.id, amount=Decimal("150.00"), method="bank_transfer", settings=settings,
                   today=dt.date.today(), excess_to_credit=True)
    session.commit()


def test_staff_record_more_than_is_due_only_with_the_credit_box_ticked(client, session, make, login_staff):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")  # 121.00
    session.commit()
    login_staff(client, make.make_staff(role="billing"))
    url = f"/staff/invoices/{proforma.code}/payment"
    data = {"amount": "150.00", "reference": "OP 3", "key": "over-1"}
    resp = client.post_form(url, data, token_from=f"/staff/invoices/{proforma.code}")
    assert resp.status_code == 422 and 'id="amount-error"' in resp.get_data(as_text=True)
    assert balance(session, customer.id, "RON") == Decimal("0.00")
    resp = client.post_form(url, {**data, "excess_to_credit": "y"}, token_from=f"/staff/invoices/{proforma.code}")
    assert resp.status_code == 303
    landing = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "29.00 RON more is now the customer&#39;s credit balance." in landing
    session.expire_all()
    assert session.get(Invoice, proforma.id).status == "paid"
    assert balance(session, customer.id, "RON") == Decimal("29.00")
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "credit.added")).one()
    assert audit.actor_kind == "staff" and audit.data["reason"] == "overpayment"
