"""The demo's documents use the BNR rate that art. 290 Cod fiscal gives them: the last one BNR published
(on a working day: not a weekend, not a Romanian public holiday) before the day of the document."""

from __future__ import annotations

import datetime as dt

import holidays
from sqlalchemy import select

from hostico.models import Invoice


def _last_published_before(day: dt.date) -> dt.date:
    ro = holidays.country_holidays("RO", years=range(day.year - 1, day.year + 1))
    day -= dt.timedelta(days=1)
    while day.weekday() >= 5 or day in ro:
        day -= dt.timedelta(days=1)
    return day


def test_every_demo_document_in_or_from_eur_uses_the_rate_published_just_before_its_day(runner, session):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    documents = session.scalars(select(Invoice).where(Invoice.exchange_rate.is_not(None))).all()
    assert {d.kind for d in documents} == {"proforma", "tax"}, "the demo has an EUR plan, billed and paid"
    for document in documents:
        # A lei document fixes its lei on the proforma (its day's rate); an EUR one takes the rate of
        # the chargeable event, the day the money arrived.
        if document.currency == "RON":
            day = document.issue_date if document.kind == "proforma" else document.proforma.issue_date
        else:
            day = document.collected_on
        assert document.rate_date == _last_published_before(day), (document.code, day, document.rate_date)


def test_the_demo_customer_has_an_unpaid_eur_priced_proforma_in_lei_to_pay(runner, session):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    unpaid = session.scalars(select(Invoice).where(Invoice.kind == "proforma", Invoice.status == "unpaid",
                                                   Invoice.exchange_rate.is_not(None))).all()
    from hostico.models import Customer

    assert [session.get(Customer, p.customer_id).email for p in unpaid] == ["client@example.com"]
    proforma = unpaid[0]
    assert proforma.currency == "RON" and proforma.lines[0].price_currency == "EUR"
    assert proforma.rate_date == _last_published_before(proforma.issue_date)
