"""Currency (docs/fiscal.md): RON documents for Romanian residents at the BNR rate, EUR documents with their
VAT in lei at the rate of the chargeable event; rates from BNR's feed (a local fake), stored per day."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hostico.billing import bnr
from hostico.billing.currency import rate_for, refresh_rates
from hostico.billing.errors import NoExchangeRate
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.billing.rate_job import RateRefresher
from hostico.billing.settings import BillingSettings
from hostico.models import ExchangeRate, Invoice
from tests.fakes.bnr import FakeBnr, feed

FRIDAY, MONDAY, TUESDAY = dt.date(2026, 5, 29), dt.date(2026, 6, 1), dt.date(2026, 6, 2)
EUR_19 = [LineSpec("Cloud VPS", Decimal("19.00"), currency="EUR")]


@pytest.fixture
def bnr_feed():
    server = FakeBnr()
    server.body = feed({FRIDAY: "5.0917", MONDAY: "5.1000"})
    yield server
    server.close()


@pytest.fixture
def fx(settings, bnr_feed) -> BillingSettings:
    return BillingSettings(**{**settings.__dict__, "bnr_rates_url": bnr_feed.url, "bnr_timeout": 2.0})


def test_feed_is_parsed_with_multipliers_and_stored_once_per_day(session, bnr_feed):
    assert refresh_rates(session, bnr_feed.url) == 8
    assert refresh_rates(session, bnr_feed.url) == 0  # a day's rates never change
    huf = session.get(ExchangeRate, (MONDAY, "HUF"))
    assert (huf.rate, huf.multiplier) == (Decimal("1.3200"), 100)
    assert session.get(ExchangeRate, (FRIDAY, "EUR")).rate == Decimal("5.0917")


def test_a_romanian_customer_gets_lei_at_the_last_rate_before_the_day(session, make, fx):
    c = make.make_customer()
    profile = make.make_profile(c)
    proforma = create_proforma(session, c, EUR_19, origin="order", settings=fx, today=MONDAY, profile=profile)
    line = proforma.lines[0]
    assert (proforma.currency, line.price_amount, line.price_currency, line.unit_price) == (
        "RON", Decimal("19.00"), "EUR", Decimal("96.74"))
    assert (proforma.exchange_rate, proforma.rate_date) == (Decimal("5.0917"), FRIDAY)  # Monday: Friday's rate
    payment = record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=fx,
                             today=TUESDAY, received_on=TUESDAY)
    tax = session.get(Invoice, payment.tax_invoice_id)
    # The tax invoice is for the lei received, with the proforma's conversion shown.
    assert (tax.currency, tax.total, tax.lines[0].unit_price) == ("RON", proforma.total, Decimal("96.74"))
    assert (tax.exchange_rate, tax.rate_date, tax.total_ron) == (Decimal("5.0917"), FRIDAY, None)


def test_a_customer_abroad_gets_eur_with_the_vat_in_lei_at_the_collection_days_rate(session, make, fx):
    c = make.make_customer()
    profile = make.make_profile(c, country="DE", city="Berlin", county=None, postal_code="10115", cnp=None)
    proforma = create_proforma(session, c, EUR_19, origin="order", settings=fx, today=MONDAY, profile=profile)
    assert (proforma.currency, proforma.total, proforma.vat_total) == ("EUR", Decimal("22.99"), Decimal("3.99"))
    payment = record_payment(session, proforma.id, amount=Decimal("22.99"), method="bank_transfer", settings=fx,
                             today=TUESDAY, received_on=TUESDAY)
    tax = session.get(Invoice, payment.tax_invoice_id)
    assert (tax.currency, tax.exchange_rate, tax.rate_date) == ("EUR", Decimal("5.1000"), MONDAY)
    assert (tax.vat_total_ron, tax.total_ron) == (Decimal("20.35"), Decimal("117.25"))  # 3.99 / 22.99 × 5.1000


def test_a_ron_price_for_a_customer_abroad_is_converted_to_eur(session, make, fx):
    c = make.make_customer()
    profile = make.make_profile(c, country="FR", city="Paris", county=None, postal_code="75001", cnp=None)
    proforma = create_proforma(session, c, [LineSpec("Starter", Decimal("100.00"))], origin="order", settings=fx,
                               today=MONDAY, profile=profile)
    assert (proforma.currency, proforma.lines[0].unit_price, proforma.lines[0].price_amount) == (
        "EUR", Decimal("19.64"), Decimal("100.00"))


def test_no_rate_means_no_document_and_a_clear_error_until_bnr_answers(session, make, fx, bnr_feed):
    c = make.make_customer()
    profile = make.make_profile(c)
    bnr_feed.status, bnr_feed.body = 503, b"<html>Service Unavailable</html>"
    with pytest.raises(NoExchangeRate) as err:
        create_proforma(session, c, EUR_19, origin="order", settings=fx, today=MONDAY, profile=profile)
    assert (err.value.code, err.value.params["day"]) == ("no_exchange_rate", "2026-06-01")
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0
    bnr_feed.status, bnr_feed.body = 200, feed({FRIDAY: "5.0917"})
    proforma = create_proforma(session, c, EUR_19, origin="order", settings=fx, today=MONDAY, profile=profile)
    assert proforma.total == Decimal("117.06")  # 96.74 + 21 % VAT 20.32


def test_a_stored_rate_is_not_trusted_across_a_weekday_bnr_may_have_published_on(session, fx, bnr_feed):
    wednesday = dt.date(2026, 6, 3)
    bnr_feed.status = 500  # Monday's or Tuesday's rate may exist: without the feed, no rate rather than a stale one
    session.add(ExchangeRate(day=FRIDAY, currency="EUR", rate=Decimal("5.0917"), multiplier=1))
    session.flush()
    with pytest.raises(NoExchangeRate):
        rate_for(session, wednesday, url=bnr_feed.url, timeout=1)
    assert rate_for(session, MONDAY).value == Decimal("5.0917")  # only the weekend in between


def test_bnr_timeouts_and_foreign_documents_are_reported_as_unavailable(bnr_feed):
    bnr_feed.delay = 1.5
    with pytest.raises(bnr.BnrUnavailable, match="Timeout"):
        bnr.fetch_rates(bnr_feed.url, timeout=0.3)
    bnr_feed.delay = 0
    bnr_feed.body = b'<?xml version="1.0"?><Envelope/>'
    with pytest.raises(bnr.BnrUnavailable, match="DataSet"):
        bnr.fetch_rates(bnr_feed.url)
    with pytest.raises(bnr.BnrUnavailable):
        bnr.parse_feed(b'<!DOCTYPE x [<!ENTITY a "aaaa">]><DataSet xmlns="http://www.bnr.ro/xsd">&a;</DataSet>')


def test_the_worker_reads_the_feed_periodically_and_retries_after_a_failure(app, session, bnr_feed):
    from sqlalchemy.orm import Session

    from hostico.web.database import db

    now = [0.0]
    job = RateRefresher(lambda: Session(bind=db.get(app).engine),
                        BillingSettings.from_config({"BNR_RATES_URL": bnr_feed.url, "BNR_REFRESH_SECONDS": 3600}),
                        clock=lambda: now[0])
    bnr_feed.status = 500
    assert job.due() is None
    now[0] = 301.0
    bnr_feed.status = 200
    assert job.due() == 8
    now[0] = 1000.0
    assert job.due() is None and bnr_feed.requests == 2  # not again before the hour
    assert session.scalar(select(func.count()).select_from(ExchangeRate)) == 8
