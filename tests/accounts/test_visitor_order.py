"""Ordering as a visitor (docs/accounts.md, "Ordering as a visitor"): /order is open to visitors, who choose the
plan, cycle, domain, billing data and their account in one form; the order and its proforma exist only once the
address is confirmed, and never for an unconfirmed, expired or taken one."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.models import AccountToken, Customer, Invoice, Order

ADDRESS = {"kind": "person", "name": "Ana Vizitatoare", "address": "Str. Memorandumului nr. 28", "city": "Cluj-Napoca",
           "county": "RO-CJ", "postal_code": "400114", "country": "RO"}


@pytest.fixture
def product(make):
    return make.make_product(monthly="19.00", annual="190.00")


def order_as_visitor(client, product, email="ana@example.com", **changes):
    data = {"product": product.id, "cycle": "annual", "domain": "ana-vizitatoare.ro", **ADDRESS,
            "account-name": "Ana Vizitatoare", "account-email": email, "account-password": "ana-passphrase-1",
            "account-language": "en", "account-website": "", **changes}
    return client.post_form("/order", data, token_from="/order")


def test_a_visitor_sees_the_order_form_with_the_account_fields(client, product):
    page = client.get("/order")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and 'name="account-email"' in body and 'name="domain"' in body
    assert 'name="address"' in body and "Already a customer?" in body


def test_the_order_waits_for_the_confirmation_then_its_proforma_exists(client, session, product, inbox):
    resp = order_as_visitor(client, product)
    assert resp.status_code == 200 and "Check your email" in resp.get_data(as_text=True)
    session.expire_all()
    customer = session.scalar(select(Customer))
    assert customer.email_verified_at is None
    assert session.scalars(select(Order)).all() == [] and session.scalars(select(Invoice)).all() == []
    login = client.post_form("/login", {"email": "ana@example.com", "password": "ana-passphrase-1"})
    assert login.headers["Location"] == "/signup/unconfirmed"  # an unverified account cannot order
    client.get(inbox.link("ana@example.com"))
    confirm_page = client.get("/signup/confirm").get_data(as_text=True)
    assert "Confirming also places your order for ana-vizitatoare.ro" in confirm_page  # what the button does
    done = client.post_form("/signup/confirm", {}, token_from="/signup/confirm")
    session.expire_all()
    proforma = session.scalar(select(Invoice))
    assert done.status_code == 303 and done.headers["Location"] == f"/invoices/{proforma.code}"
    assert proforma.customer_id == customer.id and proforma.origin == "order"
    assert proforma.buyer["city"] == "Cluj-Napoca"
    page = client.get(done.headers["Location"]).get_data(as_text=True)
    assert proforma.code in page and "Your order is placed" in page


def test_an_expired_link_never_places_the_order(client, session, product, inbox):
    order_as_visitor(client, product)
    link = inbox.link("ana@example.com")
    record = session.scalar(select(AccountToken))
    record.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.commit()
    assert client.get(link).status_code == 404
    session.expire_all()
    assert session.scalars(select(Order)).all() == []


def test_a_taken_address_gets_the_same_answer_and_no_order(client, session, make, product):
    make.make_customer(email="ana@example.com")
    resp = order_as_visitor(client, product)
    assert resp.status_code == 200 and "Check your email" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Order)).all() == [] and len(session.scalars(select(Customer)).all()) == 1


def test_bad_input_opens_no_account(client, session, product):
    bad_domain = order_as_visitor(client, product, domain="http://nu e domeniu")
    no_address = order_as_visitor(client, product, address="")
    short = order_as_visitor(client, product, **{"account-password": "short"})
    assert bad_domain.status_code == no_address.status_code == short.status_code == 422
    session.expire_all()
    assert session.scalars(select(Customer)).all() == []


def test_a_domain_taken_before_the_confirmation_leaves_the_account_confirmed(client, session, make, product, inbox):
    order_as_visitor(client, product)
    other = make.make_customer(email="other@example.com")
    make.make_service(other, domain="ana-vizitatoare.ro")
    client.get(inbox.link("ana@example.com"))
    done = client.post_form("/signup/confirm", {}, token_from="/signup/confirm")
    assert done.status_code == 303 and done.headers["Location"] == "/order"
    assert "We could not place your order" in client.get("/order").get_data(as_text=True)
    session.expire_all()
    ana = session.scalar(select(Customer).where(Customer.email == "ana@example.com"))
    assert ana.email_verified_at is not None
    assert session.scalars(select(Order).where(Order.customer_id == ana.id)).all() == []
