"""The client order page and the pay page: owner only, errors at the field, nothing changed on failure."""

import re

import pytest
from sqlalchemy import func, select

from hostico.models import Invoice, OutboxMessage, Payment, Service

CARD = {"cardholder": "Ana Popescu", "card_number": "4242 4242 4242 4242", "expiry": "12/39", "cvc": "123"}


def _count(session, model, *where):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_order_page_lists_plans_and_prices(client, make, login_as):
    c = make.make_customer()
    make.make_product(monthly="19.00", annual="190.00")
    login_as(client, c)
    body = client.get("/order").get_data(as_text=True)
    assert "Order hosting" in body and "RON" in body and "19.00" in body.replace(",", ".")
    assert 'name="domain"' in body and 'name="cycle"' in body


def test_order_places_service_and_lands_on_the_proforma(client, session, make, login_as):
    c = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    product = make.make_product(monthly="19.00")
    login_as(client, c)
    resp = client.post_form("/order", {"product": product.id, "cycle": "monthly", "domain": "Ana-Shop.ro",
                                       "profile": 0}, token_from="/order")
    assert resp.status_code == 303
    proforma = session.scalars(select(Invoice)).one()
    assert resp.headers["Location"] == f"/invoices/{proforma.code}"
    assert proforma.origin == "order" and proforma.customer_id == c.id
    assert session.scalars(select(Service)).one().domain == "ana-shop.ro"
    assert _count(session, OutboxMessage, OutboxMessage.channel == "sms") == 0
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Your order is placed" in page and f"/invoices/{proforma.code}/pay" in page


@pytest.mark.parametrize("data, error", [
    ({"cycle": "monthly", "domain": "ok.ro"}, "Choose a plan."),
    ({"cycle": "monthly", "domain": "not a domain"}, "This is not a valid domain name."),
    ({"cycle": "monthly", "domain": ""}, "Enter the domain to host."),
    ({"cycle": "quarterly", "domain": "ok.ro"}, "This plan is not sold with that billing cycle."),
    ({"cycle": "monthly", "domain": "ok.ro", "profile": 999}, "Choose one of your billing profiles."),
])
def test_bad_order_shows_the_error_at_the_field_and_changes_nothing(client, session, make, login_as, data, error):
    c = make.make_customer()
    product = make.make_product()
    login_as(client, c)
    data = {"product": product.id, "profile": 0, **data}
    if error == "Choose a plan.":
        data.pop("product")
    resp = client.post_form("/order", data, token_from="/order")
    assert resp.status_code == 422
    assert re.search(r'class="field-error"[^>]*>' + re.escape(error), resp.get_data(as_text=True))
    assert _count(session, Invoice) == 0 and _count(session, Service) == 0


def test_order_without_csrf_is_refused(client, session, make, login_as):
    c = make.make_customer()
    product = make.make_product()
    login_as(client, c)
    resp = client.post("/order", data={"product": product.id, "cycle": "monthly", "domain": "x.ro"})
    assert resp.status_code == 400 and _count(session, Invoice) == 0


def test_pay_page_shows_the_card_form_to_the_owner_only(client, make, login_as):
    owner, other = make.make_customer(), make.make_customer()
    proforma = make.make_proforma(owner, amount="10.00")
    login_as(client, owner)
    body = client.get(f"/invoices/{proforma.code}/pay").get_data(as_text=True)
    assert 'name="card_number"' in body and "4242 4242 4242 4242" in body and "12.10" in body.replace(",", ".")
    client.post_form("/logout", token_from="/")
    login_as(client, other)
    assert client.get(f"/invoices/{proforma.code}/pay").status_code == 404
    assert client.post_form(f"/invoices/{proforma.code}/pay", CARD, token_from="/").status_code == 404


def test_paying_by_card_issues_the_tax_invoice_and_lands_on_it(client, session, make, login_as, settings):
    c = make.make_customer()
    service = make.make_service(c, status="pending")
    proforma = make.make_proforma(c, service=service, amount="10.00")
    login_as(client, c)
    url = f"/invoices/{proforma.code}/pay"
    resp = client.post_form(url, CARD, token_from=url)
    assert resp.status_code == 303 and resp.headers["Location"] == "/invoices/HST-000001"
    landing = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Payment received" in landing and "HST-000001" in landing
    payment = session.scalars(select(Payment)).one()
    assert payment.method == "card" and payment.reference.endswith("****4242")
    assert session.get(Service, service.id).status == "active"
    # the proforma is paid now: no more pay page, and a repeated POST lands on the tax invoice
    assert client.get(url).status_code == 404
    again = client.post_form(url, CARD, token_from=f"/invoices/{proforma.code}")
    assert again.status_code == 303 and again.headers["Location"] == "/invoices/HST-000001"
    assert _count(session, Payment) == 1


@pytest.mark.parametrize("card, message", [
    ("4000 0000 0000 0002", "The card was declined."),
    ("4000 0000 0000 9995", "The card has insufficient funds."),
    ("4242 4242 4242 4241", "The card number is not valid."),
])
def test_declined_card_shows_the_error_at_the_field_and_changes_nothing(client, session, make, login_as,
                                                                        card, message):
    c = make.make_customer()
    proforma = make.make_proforma(c)
    login_as(client, c)
    url = f"/invoices/{proforma.code}/pay"
    resp = client.post_form(url, {**CARD, "card_number": card}, token_from=url)
    assert resp.status_code == 422
    assert re.search(r'id="card_number-error">' + re.escape(message), resp.get_data(as_text=True))
    assert _count(session, Payment) == 0 and _count(session, Invoice, Invoice.kind == "tax") == 0
    assert session.get(Invoice, proforma.id).status == "unpaid"


@pytest.mark.parametrize("field, value, message", [("expiry", "01/20", "The card has expired."),
                                                   ("expiry", "13/30", "Enter the expiry date as MM/YY."),
                                                   ("cvc", "12a", "The CVC is the 3 or 4 digits")])
def test_card_form_validation(client, session, make, login_as, field, value, message):
    c = make.make_customer()
    proforma = make.make_proforma(c)
    login_as(client, c)
    url = f"/invoices/{proforma.code}/pay"
    resp = client.post_form(url, {**CARD, field: value}, token_from=url)
    assert resp.status_code == 422 and message in resp.get_data(as_text=True)
    assert _count(session, Payment) == 0


def test_tax_invoice_has_no_pay_page(client, session, make, login_as, settings):
    from hostico.billing.payments import record_payment

    c = make.make_customer()
    proforma = make.make_proforma(c)
    payment = record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                             today=proforma.issue_date)
    session.commit()
    tax = session.get(Invoice, payment.tax_invoice_id)
    login_as(client, c)
    assert client.get(f"/invoices/{tax.code}/pay").status_code == 404
    assert client.post_form(f"/invoices/{tax.code}/pay", CARD, token_from="/").status_code == 404
