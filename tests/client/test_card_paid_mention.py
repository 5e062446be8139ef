"""A tax invoice paid by card says so, with the gateway and the day (issue 24 item 7): invoice page, staff page, PDF."""

import datetime as dt
from decimal import Decimal

import pytest

from hostico.billing.payments import record_payment
from hostico.models import Checkout, Invoice
from tests.client.test_invoices_pdf import pdf_text


def card_paid_tax(session, settings, make, customer, *, method="card", gateway="netopia") -> Invoice:
    proforma = make.make_proforma(customer)
    payment = record_payment(session, proforma.id, amount=proforma.total, method=method, settings=settings,
                             today=dt.date(2026, 12, 5), reference="netopia tx-1")
    if gateway:
        checkout = Checkout(reference="chk_test", customer_id=customer.id, gateway=gateway,
                            amount=Decimal(proforma.total), currency=proforma.currency)
        session.add(checkout)
        session.flush()
        payment.checkout_id = checkout.id
    session.commit()
    return session.get(Invoice, payment.tax_invoice_id)


@pytest.mark.parametrize(("language", "text"), [
    ("ro", "Plătită cu cardul (NETOPIA) la 5 decembrie 2026"),
    ("en", "Paid by card (NETOPIA) on Dec 5, 2026"),
])
def test_card_paid_tax_invoice_says_so_on_page_and_pdf(client, make, session, settings, login_as, language, text):
    customer = make.make_customer(language=language)
    login_as(client, customer)
    tax = card_paid_tax(session, settings, make, customer)
    page = client.get(f"/invoices/{tax.code}").get_data(as_text=True)
    assert text in page
    assert text in " ".join(pdf_text(client.get(f"/invoices/{tax.code}.pdf").data).split())
    if language == "en":  # the document puts the Romanian first (docs/fiscal.md)
        assert "Plătită cu cardul (NETOPIA) la 5 decembrie 2026" in page


def test_staff_invoice_page_says_paid_by_card(client, make, session, settings, login_staff):
    customer = make.make_customer()
    tax = card_paid_tax(session, settings, make, customer, gateway="stripe")
    login_staff(client, make.make_staff())
    page = client.get(f"/staff/invoices/{tax.code}").get_data(as_text=True)
    assert "Paid by card (Stripe) on Dec 5, 2026" in page


@pytest.mark.parametrize(("method", "gateway"), [("bank_transfer", None), ("card", None)])
def test_no_card_mention_without_a_hosted_checkout(client, make, session, settings, login_as, method, gateway):
    customer = make.make_customer(language="ro")
    login_as(client, customer)
    tax = card_paid_tax(session, settings, make, customer, method=method, gateway=gateway)
    page = client.get(f"/invoices/{tax.code}").get_data(as_text=True)
    assert "Plătită cu cardul" not in page and "card-paid" not in page
    proforma = client.get(f"/invoices/{session.get(Invoice, tax.proforma_id).code}").get_data(as_text=True)
    assert "card-paid" not in proforma
