"""The order page's summary (docs/client-area.md#the-order-summary): plan, cycle, price without VAT, VAT (rate and
amount, or the mention of a sale without Romanian VAT) and the total in the proforma's currency. It is the proforma
the order creates, so its figures are that proforma's for every plan, cycle and buyer; it follows the form with htmx
and renders server-side without JavaScript; visitors see it too."""

import datetime as dt
import itertools
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.models import BillingProfile, ExchangeRate, ExchangeRateSync, Invoice, utcnow
from tests.conftest import reconfigure

HTMX = {"HX-Request": "true"}
TODAY = dt.date.today()
VIES_OK = {"valid": True, "vat_number": "DE811907980", "name": "Muster GmbH", "request_id": "WAPI1"}


def _rate(session):
    session.add(ExchangeRate(day=TODAY - dt.timedelta(days=1), currency="EUR", rate=Decimal("5.0917"), multiplier=1))
    session.add(ExchangeRateSync(fetched_at=utcnow(), latest_day=TODAY - dt.timedelta(days=1)))


def _eur_plan(make):
    plan = make.make_product(monthly="4.99", annual="49.90")
    for price in plan.prices:
        price.currency = "EUR"
    return plan


def _amount(text: str) -> Decimal:
    return Decimal(re.search(r"\d[\d,]*\.\d\d", text).group(0).replace(",", ""))


def summary_figures(html: str) -> dict[str, Decimal]:
    """The summary's net, VAT, total (and the lei total of an EUR document), read as a customer reads them."""
    figures = {name: _amount(re.search(rf'class="summary-{name}">(.*?)</dd>', html, re.S).group(1))
               for name in ("net", "vat", "total")}
    lei = re.search(r'class="muted summary-total-ron">\(VAT [^,]+, total ([^)]+)\)', html)
    if lei:
        figures["total_ron"] = _amount(lei.group(1))
    return figures


@pytest.fixture
def buyers(make, session):
    """One customer with a billing profile for each VAT treatment and currency the proforma can have."""
    c = make.make_customer(name="Ana Cumpărătoare")
    abroad = dict(county=None, city="Berlin", postal_code="10115", country="DE")
    profiles = {
        "RO person": session.scalar(select(BillingProfile).where(BillingProfile.customer_id == c.id)),  # default
        "RO company": make.make_profile(c, kind="company"),
        "DE person": make.make_profile(c, cnp=None, **abroad),
        "DE company, VIES confirmed": make.make_profile(c, kind="company", cui="DE811907980",
                                                        vat_number="DE811907980", vies=VIES_OK, reg_com=None,
                                                        company_name="Muster GmbH", **abroad),
        "DE company, not confirmed": make.make_profile(c, kind="company", cui="DE811907980",
                                                       vat_number="DE811907980", reg_com=None,
                                                       company_name="Muster GmbH", **abroad),
        "US company": make.make_profile(c, kind="company", cui="12-3456789", reg_com=None, county=None,
                                        city="Austin", postal_code="78701", country="US", company_name="Acme Inc"),
        "US person": make.make_profile(c, cnp=None, county=None, city="Austin", postal_code="78701", country="US"),
    }
    _rate(session)
    session.commit()
    return c, profiles


def test_the_summary_is_the_proforma_the_order_creates_for_every_plan_cycle_and_buyer(
        app, client, make, session, login_as, buyers):
    reconfigure(app, MAX_OPEN_ORDERS=0)
    customer, profiles = buyers
    plans = {"RON": make.make_product(monthly="19.00", annual="189.99"), "EUR": _eur_plan(make)}
    session.commit()
    login_as(client, customer)
    seen = set()
    for n, ((who, profile), (currency, plan), cycle) in enumerate(
            itertools.product(profiles.items(), plans.items(), ("monthly", "annual"))):
        where = f"{who}, {currency} plan, {cycle}"
        chosen = {"product": plan.id, "cycle": cycle, "profile": profile.id}
        html = client.get("/order/summary", query_string=chosen, headers=HTMX).get_data(as_text=True)
        summary = summary_figures(html)
        resp = client.post_form("/order", {**chosen, "domain": f"site-{n}.ro"}, token_from="/order")
        assert resp.status_code == 303, where
        proforma = session.scalars(select(Invoice).order_by(Invoice.id.desc())).first()
        expected = {"net": proforma.subtotal, "vat": proforma.vat_total, "total": proforma.total}
        if proforma.total_ron is not None:
            expected["total_ron"] = proforma.total_ron
        assert summary == expected, where
        assert proforma.currency in html, where
        if proforma.vat_category == "S":
            assert f"VAT ({proforma.lines[0].vat_rate.normalize()}%)" in html, where
        else:
            assert proforma.vat_mention in html, where  # what the proforma will say: "Taxare inversă", ...
        seen.add((proforma.currency, proforma.vat_category, proforma.total_ron is not None))
    # Every treatment and currency was met: RON with VAT, EUR with VAT in lei, reverse charge, not taxable here.
    assert {("RON", "S", False), ("EUR", "S", True), ("EUR", "AE", False), ("EUR", "O", False)} <= seen


def test_a_visitor_and_a_customer_typing_billing_data_see_what_the_proforma_will_say(
        app, client, make, session, login_as):
    plan = make.make_product(monthly="100.00")
    _rate(session)
    session.commit()
    typed = {"product": plan.id, "cycle": "monthly", "kind": "company", "country": "US", "vat_number": ""}
    visitor = client.get("/order/summary", query_string={**typed, "lang": "en"}, headers=HTMX).get_data(as_text=True)
    assert summary_figures(visitor)["total"] == Decimal("19.64")  # 100 lei in EUR at 5.0917, no Romanian VAT
    assert "Neimpozabil în România (art. 278 alin. 2 Cod fiscal)" in visitor
    page = client.post_form("/order", {**typed, "preview": "1"}, token_from="/order").get_data(as_text=True)
    assert summary_figures(page) == summary_figures(visitor)  # without JavaScript: the same, nothing ordered

    customer = make.make_customer(billing=False)
    session.commit()
    login_as(client, customer)
    billing = {"company_name": "Acme Inc", "cui": "12-3456789", "address": "1 Main St", "city": "Austin",
               "postal_code": "78701"}
    summary = client.get("/order/summary", query_string=typed, headers=HTMX).get_data(as_text=True)
    de = client.get("/order/summary", headers=HTMX, query_string={
        **typed, "country": "de", "vat_number": "DE 811907980"}).get_data(as_text=True)
    assert "VAT (21%)" in de and "until VIES confirms your VAT number" in de
    resp = client.post_form("/order", {**typed, **billing, "domain": "acme.com"}, token_from="/order")
    assert resp.status_code == 303
    proforma = session.scalars(select(Invoice)).one()
    assert summary_figures(summary) == {"net": proforma.subtotal, "vat": proforma.vat_total, "total": proforma.total}


def test_without_javascript_show_the_price_posts_back_the_page_with_its_summary_in_romanian(
        client, make, session, login_as):
    customer = make.make_customer(language="ro")
    plan = make.make_product(monthly="19.00", annual="190.00")
    session.commit()
    login_as(client, customer)
    page = client.get("/order?lang=ro").get_data(as_text=True)
    assert "Rezumat" in page and "Alegeți un plan ca să vedeți prețul cu TVA." in page
    assert 'name="preview"' in page and "Arată prețul" in page
    resp = client.post_form("/order?lang=ro", {"product": plan.id, "cycle": "annual", "preview": "1"},
                            token_from="/order")
    assert resp.status_code == 200
    body = resp.get_data(as_text=True)
    assert re.search(r'class="summary-plan">Plan \d+ · Anual</dd>', body)
    assert "Preț fără TVA" in body and "TVA (21%)" in body and "229,90 lei" in body
    assert 'class="field-error"' not in body  # no domain yet: a preview, not a refused order
    assert session.scalar(select(Invoice.id)) is None


def test_the_summary_follows_the_form_with_htmx_and_sends_no_password(client, make, session):
    plan = make.make_product(monthly="19.00")
    session.commit()
    page = client.get("/order?lang=en").get_data(as_text=True)  # a visitor: the account's password is in the form
    section = re.search(r'<section class="card order-summary"[^>]*>', page).group(0)
    assert 'hx-get="/order/summary"' in section and 'hx-trigger="change from:closest form"' in section
    include = re.search(r'hx-include="([^"]*)"', section).group(1)
    assert "password" not in include and "csrf" not in include and "[name='product']" in include
    assert 'aria-live="polite"' in section
    plain = client.get(f"/order/summary?product={plan.id}")
    assert plain.status_code == 303 and plain.headers["Location"].endswith("/order")  # not a page of its own


def test_a_cycle_the_plan_does_not_sell_and_a_missing_bnr_rate_are_said_not_guessed(client, make, session):
    ron, eur = make.make_product(monthly="19.00"), _eur_plan(make)
    session.commit()
    html = client.get("/order/summary", query_string={"product": ron.id, "cycle": "quarterly"},
                      headers=HTMX).get_data(as_text=True)
    assert "This plan is not sold with that billing cycle." in html and "summary-total" not in html
    html = client.get("/order/summary", query_string={"product": eur.id, "cycle": "monthly"},
                      headers=HTMX).get_data(as_text=True)
    assert "4.99 EUR" in html and "summary-total" not in html  # no stored rate: the feed is not read by a page view
    assert "set with BNR's exchange rate of the day when the proforma is issued" in html
    odd = client.get("/order/summary", headers=HTMX, query_string={"product": "x'; --", "cycle": "\u0000" * 50,
                                                                    "country": "ZZZZ", "kind": "robot"})
    assert odd.status_code == 200 and "Choose a plan" in odd.get_data(as_text=True)


def test_a_visitor_is_offered_only_the_cycles_the_plans_sell(client, make, session):
    make.make_product(monthly="19.00", annual="190.00")
    session.commit()
    cycles = re.search(r'<select[^>]*name="cycle".*?</select>', client.get("/order").get_data(as_text=True),
                       re.S).group(0)
    assert 'value="monthly"' in cycles and 'value="semiannual"' not in cycles
