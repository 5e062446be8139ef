"""Staff refund a card payment through its gateway: a credit note and an audit entry, or nothing at all."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hostico.models import AuditLog, Invoice, Payment, Refund
from hostico.payments.checkout import apply_notification
from hostico.payments.gateways.base import PAID, Notification


@pytest.fixture
def card_payment(make, session, settings):
    """A proforma paid by card through the sandbox gateway (card number decides whether refunds work)."""
    def do(last4: str = "4242", amount: str = "100.00") -> Payment:
        customer = make.make_customer()
        proforma = make.make_proforma(customer, amount=amount)
        checkout = make.make_checkout(customer, [proforma])
        note = Notification(reference=checkout.reference, status=PAID, amount=checkout.amount, currency="RON",
                            event_id="evt_1", transaction_id=f"sbx_0011223344556677_{last4}")
        apply_notification(session, note, gateway="sandbox", settings=settings, today=dt.date.today())
        session.commit()
        return session.scalars(select(Payment).where(Payment.invoice_id == proforma.id)).one()
    return do


def _staff_client(client, make, login_staff, role="billing"):
    login_staff(client, make.make_staff(role=role))
    return client


def _refund(client, payment, amount, reason="customer cancelled"):
    prefix = f"refund-{payment.id}-"
    return client.post_form(f"/staff/payments/{payment.id}/refund",
                            {prefix + "amount": amount, prefix + "reason": reason, "confirm": "yes"},
                            token_from="/staff/")


def _count(session, model, *where):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_a_whole_refund_goes_through_the_gateway_and_issues_a_credit_note(client, make, session, login_staff,
                                                                          card_payment):
    payment = card_payment()
    tax = session.get(Invoice, payment.tax_invoice_id)
    _staff_client(client, make, login_staff)
    page = client.get(f"/staff/invoices/{tax.code}").get_data(as_text=True)
    assert "Refund through the gateway" in page and 'value="121.00"' in page
    resp = _refund(client, payment, "121.00")
    assert resp.status_code == 303
    landing = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "credit note HCN-000001 issued" in landing
    refund = session.scalars(select(Refund)).one()
    assert refund.amount == Decimal("121.00") and refund.provider_refund_id.startswith("sbx_re_")
    note = session.get(Invoice, refund.credit_note_id)
    assert note.kind == "credit_note" and note.corrects_id == tax.id and note.total == Decimal("-121.00")
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "payment.refunded")).one()
    assert audit.data["credit_note"] == note.code and audit.data["gateway"] == "sandbox"
    assert "Refund through the gateway" not in client.get(f"/staff/invoices/{tax.code}").get_data(as_text=True)


def test_partial_refunds_each_issue_a_credit_note_for_their_amount(client, make, session, login_staff,
                                                                   card_payment):
    payment = card_payment()
    tax = session.get(Invoice, payment.tax_invoice_id)
    _staff_client(client, make, login_staff)
    _refund(client, payment, "21.00")
    _refund(client, payment, "100.00")
    resp = _refund(client, payment, "0.01")
    assert "At most 0.00 RON can still be refunded." in client.get(resp.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    notes = session.scalars(select(Invoice).where(Invoice.kind == "credit_note").order_by(Invoice.id)).all()
    assert [n.total for n in notes] == [Decimal("-21.00"), Decimal("-100.00")]
    assert all(n.corrects_id == tax.id for n in notes)
    assert [r.amount for r in session.scalars(select(Refund).order_by(Refund.id))] == [Decimal("21.00"),
                                                                                      Decimal("100.00")]


def test_a_refund_the_gateway_refuses_changes_nothing(client, make, session, login_staff, card_payment):
    payment = card_payment(last4="5126")  # the sandbox refuses refunds of 4000 0000 0000 5126
    _staff_client(client, make, login_staff)
    resp = _refund(client, payment, "121.00")
    assert "The gateway refused the refund (refund_refused); nothing was changed." in client.get(
        resp.headers["Location"]).get_data(as_text=True)
    assert _count(session, Refund) == 0 and _count(session, Invoice, Invoice.kind == "credit_note") == 0
    assert _count(session, AuditLog, AuditLog.action == "payment.refund_refused") == 1


@pytest.mark.parametrize("amount, message", [("121.01", "At most 121.00 RON can still be refunded."),
                                             ("0", "The amount must be positive."),
                                             ("abc", "Amount to refund: Not a valid decimal value.")])
def test_bad_refund_amounts_change_nothing(client, make, session, login_staff, card_payment, amount, message):
    payment = card_payment()
    _staff_client(client, make, login_staff)
    resp = _refund(client, payment, amount)
    assert message in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert _count(session, Refund) == 0 and _count(session, Invoice, Invoice.kind == "credit_note") == 0


def test_only_billing_staff_refund_and_only_card_payments(client, make, session, login_staff, card_payment,
                                                          settings):
    from hostico.billing.payments import record_payment

    payment = card_payment()
    _staff_client(client, make, login_staff, role="support")
    assert _refund(client, payment, "121.00").status_code == 403
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    transfer = record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                              today=dt.date.today())
    session.commit()
    _staff_client(client, make, login_staff, role="billing")
    resp = _refund(client, transfer, "121.00")
    assert "Only card payments made through a gateway" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert client.post(f"/staff/payments/{payment.id}/refund", data={}).status_code == 400  # no CSRF token
    assert _count(session, Refund) == 0


def test_refund_asks_first_and_without_confirmation_touches_neither_gateway_nor_invoices(client, make, session,
                                                                                       login_staff, card_payment):
    payment = card_payment()
    tax = session.get(Invoice, payment.tax_invoice_id)
    _staff_client(client, make, login_staff)
    page = client.get(f"/staff/invoices/{tax.code}").get_data(as_text=True)
    assert 'hx-confirm="Refund this amount through the gateway and issue a credit note' in page
    prefix = f"refund-{payment.id}-"
    resp = client.post_form(f"/staff/payments/{payment.id}/refund",
                            {prefix + "amount": "21.00", prefix + "reason": "customer cancelled"},
                            token_from="/staff/")
    assert resp.status_code == 200
    step = resp.get_data(as_text=True)
    assert "Refund 21.00 RON?" in step and "Yes, refund 21.00 RON" in step
    assert f"a credit note for 21.00 RON is issued on {tax.code}" in step
    assert f'name="{prefix}amount" value="21.00"' in step and 'name="confirm" value="yes"' in step
    assert _count(session, Refund) == 0 and _count(session, Invoice, Invoice.kind == "credit_note") == 0
    # The confirmation page's own form posts the same fields with confirm=yes: now it happens, once.
    resp = _refund(client, payment, "21.00")
    assert "Refunded 21.00 RON through the gateway; credit note HCN-000001 issued." in client.get(
        resp.headers["Location"]).get_data(as_text=True)
    assert _count(session, Refund) == 1


def test_refund_confirmation_reads_in_romanian(client, make, session, login_staff, card_payment):
    payment = card_payment()
    _staff_client(client, make, login_staff)
    prefix = f"refund-{payment.id}-"
    step = client.post_form(f"/staff/payments/{payment.id}/refund",
                            {prefix + "amount": "21.00", prefix + "reason": "x"}, token_from="/staff/",
                            headers={"Accept-Language": "ro"}).get_data(as_text=True)
    assert "Rambursați 21,00 lei?" in step and "Da, rambursați 21,00 lei" in step
    assert _count(session, Refund) == 0


def test_the_customer_reads_a_refund_in_romanian_without_the_staff_note(app, client, make, session, login_staff,
                                                                       login_as, card_payment):
    payment = card_payment(amount="19.00")  # 22,99 lei with VAT
    tax = session.get(Invoice, payment.tax_invoice_id)
    _staff_client(client, make, login_staff)
    _refund(client, payment, "22.99", reason="Clientul a cerut anularea (notă internă)")
    staff_page = client.get(f"/staff/invoices/{tax.code}?lang=ro").get_data(as_text=True)
    assert "Rambursare de 22,99 lei, factură de stornare HCN-000001: Clientul a cerut anularea" in staff_page
    from hostico.models import Customer

    customer = session.get(Customer, tax.customer_id)
    customer.language = "ro"
    session.commit()
    reader = app.test_client()
    login_as(reader, customer)
    page = reader.get(f"/invoices/{tax.code}?lang=ro").get_data(as_text=True)
    history = page[page.index('id="history-h"'):]
    assert "Rambursare de 22,99 lei, factură de stornare HCN-000001" in history
    assert "notă internă" not in page and "Refund" not in history
    note_page = reader.get("/invoices/HCN-000001?lang=ro").get_data(as_text=True)
    assert f"Rambursare de 22,99 lei plătiți pentru {tax.code}" in note_page and "notă internă" not in note_page
    english = reader.get(f"/invoices/{tax.code}?lang=en").get_data(as_text=True)
    assert "Refund of 22.99 RON, credit note HCN-000001" in english
