"""Ordering from the client area: an EUR-priced plan without a BNR rate, and the buyer data an order
needs (DESIGN 6: no document without the buyer's name and full address)."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from hostico.models import Invoice, Order, Service
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
