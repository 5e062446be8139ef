"""The client order page and the pay page: owner only, errors at the field, nothing changed on failure;
the pay page only leads to the gateway's hosted page (no card field)."""

import re

import pytest
from sqlalchemy import func, select

from hostico.models import Invoice, OutboxMessage, Payment, Service


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
    cycles = re.search(r'<select[^>]*name="cycle".*?</select>', body, re.S).group(0)
    assert 'value="monthly"' in cycles and 'value="annual"' in cycles
    assert 'value="semiannual"' not in cycles and 'value="quarterly"' not in cycles  # no plan sells them


def test_order_places_service_and_lands_on_the_proforma(client, session, make, login_as):
    c = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    product = make.make_product(monthly="19.00")
    login_as(client, c)
    resp = client.post_form("/order", {"product": product.id, "cycle": "monthly", "domain": "Ana-Shop.ro"},
                            token_from="/order")  # billed to the default billing profile
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
    data = {"product": product.id, **data}
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


def test_pay_page_has_no_card_field_and_is_the_owners_only(client, make, login_as):
    owner, other = make.make_customer(), make.make_customer()
    proforma = make.make_proforma(owner, amount="10.00")
    login_as(client, owner)
    body = client.get(f"/invoices/{proforma.code}/pay").get_data(as_text=True)
    assert "Continue to the secure payment page" in body and "12.10" in body.replace(",", ".")
    markup = re.sub(r'value="[^"]*"', "", body)  # a random CSRF token may spell "cvc"
    assert "card_number" not in markup and "cc-number" not in markup and "cvc" not in markup.lower()
    client.post_form("/logout", token_from="/")
    login_as(client, other)
    assert client.get(f"/invoices/{proforma.code}/pay").status_code == 404
    assert client.post_form(f"/invoices/{proforma.code}/pay", token_from="/").status_code == 404


def test_paid_proforma_pay_page_goes_to_the_invoice(client, session, make, login_as, settings):
    from hostico.billing.payments import record_payment

    c = make.make_customer()
    proforma = make.make_proforma(c)
    record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                   today=proforma.issue_date)
    session.commit()
    login_as(client, c)
    resp = client.get(f"/invoices/{proforma.code}/pay")
    assert resp.status_code == 303 and resp.headers["Location"].endswith(f"/invoices/{proforma.code}")
    refused = client.post_form(f"/invoices/{proforma.code}/pay", token_from="/")
    assert refused.status_code == 303 and _count(session, Payment) == 1


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
    assert client.post_form(f"/invoices/{tax.code}/pay", token_from="/").status_code == 404
