"""Ordering from the client area: an EUR-priced plan without a BNR rate, and the buyer data an order
needs (docs/fiscal.md: no document without the buyer's name and full address)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from hostico.models import BillingProfile, Invoice, Order, Service
from tests.conftest import reconfigure


def _count(session, model) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model))


def _eur_product(make, session):
    product = make.make_product(monthly="19.00")
    for price in product.prices:
        price.currency = "EUR"
    session.commit()
    return product


def _order_without_rate(client, session, make, login_as, app, language="en"):
    reconfigure(app, BNR_RATES_URL="http://127.0.0.1:9/nbrfxrates.xml")  # BNR does not answer
    c = make.make_customer(language=language)
    profile = make.make_profile(c)
    product = _eur_product(make, session)
    login_as(client, c)
    return client.post_form(f"/order?lang={language}", {"product": product.id, "cycle": "monthly",
                                                         "domain": "euro-shop.ro", "profile": profile.id},
                             token_from=f"/order?lang={language}")


def test_an_eur_plan_without_a_bnr_rate_is_refused_with_a_clear_message_and_creates_nothing(
        client, session, make, login_as, app):
    resp = _order_without_rate(client, session, make, login_as, app)
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert re.search(r'role="alert">[^<]*BNR&#39;s exchange rate for today is not available yet\. Nothing was ordered',
                     body), body
    assert 'value="euro-shop.ro"' in body  # the form keeps what was typed, to try again
    assert _count(session, Invoice) == _count(session, Service) == _count(session, Order) == 0


def test_the_missing_rate_message_is_in_romanian_on_romanian_pages(client, session, make, login_as, app):
    resp = _order_without_rate(client, session, make, login_as, app, language="ro")
    assert resp.status_code == 422
    assert "Nu s-a comandat nimic" in resp.get_data(as_text=True)
    assert _count(session, Invoice) == 0


ADDRESS = {"kind": "person", "name": "Ana Popescu", "address": "Str. Memorandumului nr. 28", "city": "Cluj-Napoca",
           "county": "RO-CJ", "postal_code": "400114", "country": "RO"}


def _order_form(client, product, **billing):
    return client.post_form("/order", {"product": product.id, "cycle": "monthly", "domain": "ana-shop.ro",
                                       **billing}, token_from="/order")


def test_a_customer_without_billing_data_is_asked_for_it_on_the_order_form(client, session, make, login_as):
    c = make.make_customer(billing=False)
    product = make.make_product()
    login_as(client, c)
    page = client.get("/order").get_data(as_text=True)
    assert 'name="address"' in page and 'name="county"' in page and 'name="city"' in page
    assert 'name="profile"' not in page  # no "bill to my name only" choice
    resp = _order_form(client, product, **{**ADDRESS, "address": ""})
    assert resp.status_code == 422
    assert re.search(r'id="order-address-error">Enter the street address', resp.get_data(as_text=True))
    assert _count(session, Invoice) == _count(session, Service) == _count(session, BillingProfile) == 0


def test_billing_data_typed_on_the_order_form_is_the_proformas_buyer_and_a_saved_profile(client, session, make,
                                                                                       login_as):
    c = make.make_customer(billing=False)
    product = make.make_product()
    login_as(client, c)
    resp = _order_form(client, product, **ADDRESS)
    assert resp.status_code == 303
    proforma = session.scalars(select(Invoice)).one()
    assert (proforma.buyer["name"], proforma.buyer["address"], proforma.buyer["city"], proforma.buyer["county"]) == (
        "Ana Popescu", "Str. Memorandumului nr. 28", "Cluj-Napoca", "RO-CJ")
    profile = session.scalars(select(BillingProfile)).one()
    assert profile.is_default and proforma.billing_profile_id == profile.id
    assert 'name="profile"' in client.get("/order").get_data(as_text=True)  # next time: choose it


def test_a_customer_with_profiles_chooses_one_and_never_a_bare_name(client, session, make, login_as):
    c = make.make_customer(billing=False)
    make.make_profile(c, is_default=True)
    company = make.make_profile(c, kind="company", label="Firma")
    product = make.make_product()
    login_as(client, c)
    page = client.get("/order").get_data(as_text=True)
    assert f'<option value="{company.id}">Firma: Exemplu SRL</option>' in page
    assert 'value="0"' not in page
    resp = _order_form(client, product, profile=company.id)
    assert resp.status_code == 303
    assert session.scalars(select(Invoice)).one().buyer["cui"] == "34567892"


def test_a_profile_without_an_address_is_not_offered(client, session, make, login_as):
    c = make.make_customer(billing=False)
    make.make_profile(c, is_default=True, address="", city="")  # saved before addresses were required
    make.make_product()
    login_as(client, c)
    page = client.get("/order").get_data(as_text=True)
    assert 'name="profile"' not in page and 'name="address"' in page


def test_the_billing_data_errors_of_the_order_form_are_in_romanian(client, session, make, login_as):
    c = make.make_customer(billing=False, language="ro")
    product = make.make_product()
    login_as(client, c)
    page = client.get("/order?lang=ro").get_data(as_text=True)
    assert "Date de facturare" in page
    resp = _order_form(client, product, **{**ADDRESS, "address": ""})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert 'id="order-address-error">Introduceți adresa (strada și numărul).' in body
    assert "Vă rugăm să corectați câmpurile marcate; nu s-a comandat nimic." in body
