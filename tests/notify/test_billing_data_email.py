"""The billing run asks a customer without billing data for it by email, in their language (docs/fiscal.md)."""

import datetime as dt

from hostico.billing.run import run_billing

TODAY = dt.date(2026, 5, 4)


def test_the_renewal_waiting_for_billing_data_asks_in_romanian_with_a_link_to_the_form(session, make, settings,
                                                                                       deliver, outbox):
    c = make.make_customer(billing=False, language="ro", name="Ana Popescu")
    make.make_service(c, domain="ana-popescu.ro", next_due_date=TODAY + dt.timedelta(days=3))
    run_billing(session, settings, TODAY)
    deliver()
    row = outbox("email")[0]
    assert row.status == "sent" and row.event == "billing_data_needed"
    assert row.subject == "Avem nevoie de datele de facturare pentru a vă reînnoi găzduirea"
    assert "Găzduirea ana-popescu.ro trebuie reînnoită" in row.body_text
    assert "http://localhost/my-details/billing-data" in row.body_text
    assert 'href="http://localhost/my-details/billing-data"' in row.body_html


def test_in_english_for_an_english_customer(session, make, settings, deliver, outbox):
    c = make.make_customer(billing=False, language="en")
    make.make_service(c, domain="shop.example", next_due_date=TODAY)
    run_billing(session, settings, TODAY)
    deliver()
    row = outbox("email")[0]
    assert row.subject == "Your billing data is needed to renew your hosting"
    assert "Your hosting shop.example is due for renewal" in row.body_text
