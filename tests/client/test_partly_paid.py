"""What a customer sees of a partly paid proforma (docs/payments.md, Advances), in English and Romanian."""

import datetime as dt
from decimal import Decimal

from hostico.billing.payments import record_payment


def test_customer_sees_partly_paid_and_what_is_left_to_pay(client, make, login_as, session, settings):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="490.00")
    record_payment(session, proforma.id, amount=Decimal("300.00"), method="bank_transfer", settings=settings,
                   today=dt.date.today())
    session.commit()
    login_as(client, customer)
    page = client.get(f"/invoices/{proforma.code}").get_data(as_text=True)
    assert "partly paid" in page
    assert "You paid 300.00 RON of 592.90 RON; 292.90 RON is left to pay." in page
    assert "292.90 RON on our payment processor" in page or "Pay by card" not in page
    assert "Edit billing data" not in page
    assert "Tax invoice for this proforma" in page
    listing = client.get("/invoices").get_data(as_text=True)
    assert "292.90 RON left to pay" in listing and "badge-partly_paid" in listing
    dashboard = client.get("/").get_data(as_text=True)
    assert "292.90 RON left to pay" in dashboard


def test_romanian_customer_reads_it_in_romanian(client, make, login_as, session, settings):
    customer = make.make_customer(language="ro")
    proforma = make.make_proforma(customer, amount="490.00")
    record_payment(session, proforma.id, amount=Decimal("300.00"), method="bank_transfer", settings=settings,
                   today=dt.date.today())
    session.commit()
    login_as(client, customer)
    page = client.get(f"/invoices/{proforma.code}").get_data(as_text=True)
    assert "plătită parțial" in page
    assert "Ați plătit 300,00 lei din 592,90 lei; mai aveți de plătit 292,90 lei." in page
