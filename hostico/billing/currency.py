"""Currency of documents (docs/fiscal.md): RON for customers resident in Romania, EUR for the others; BNR
rates stored per day; prices converted at the rate and shown with it; lei amounts of EUR VAT.

A document dated D (or a tax invoice whose chargeable event is D) uses the last rate BNR published
before D (art. 290 Cod fiscal): on a Monday Friday's, after a holiday the day before it. A stored rate
is trusted for D only when nothing BNR could have published between it and D is missing: the gap is
a weekend, or the feed was read on or after D.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from hostico.billing import bnr
from hostico.billing.errors import NoExchangeRate
from hostico.billing.taxes import round_money
from hostico.config import default
from hostico.errors import N_
from hostico.models import ExchangeRate, ExchangeRateSync, utcnow
from hostico.models.billing_profile import BuyerSnapshot

log = logging.getLogger(__name__)
CURRENCIES = ("RON", "EUR")
FOREIGN = "EUR"


@dataclass(frozen=True)
class BnrRate:
    """Lei for one unit of `currency`, as BNR published it on `day`."""

    currency: str
    value: Decimal
    day: dt.date


def document_currency(buyer: BuyerSnapshot) -> str:
    """RON for a buyer resident in Romania (BNR Regulation 4/2005), EUR for everyone else."""
    return "RON" if (buyer.get("country") or "RO").upper() == "RO" else FOREIGN


def convert(amount: Decimal, from_currency: str, to_currency: str, rate: BnrRate | None) -> Decimal:
    """Convert a price between lei and the rate's currency, rounded to cents/bani."""
    if from_currency == to_currency:
        return Decimal(amount)
    if rate is None:
        raise NoExchangeRate(N_("No BNR rate to convert %(source)s to %(target)s."), code="no_exchange_rate",
                             currency=FOREIGN, day=None, source=from_currency, target=to_currency)
    if to_currency == "RON":
        return round_money(Decimal(amount) * rate.value)
    return round_money(Decimal(amount) / rate.value)


def to_lei(amount: Decimal, rate: BnrRate) -> Decimal:
    """Return an EUR amount in lei at the rate (the VAT and total of an EUR document)."""
    return (Decimal(amount) * rate.value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def store_rates(session: Session, rates: Iterable[bnr.PublishedRate]) -> int:
    """Insert the rates not stored yet (a day's rates never change); return how many were new."""
    rows: list[dict[str, Any]] = [{"day": r.day, "currency": r.currency, "rate": r.rate, "multiplier": r.multiplier,
             "fetched_at": utcnow()} for r in rates]
    if not rows:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    before = session.scalar(select(func.count()).select_from(ExchangeRate))
    session.execute(insert(ExchangeRate).values(rows).on_conflict_do_nothing())
    session.add(ExchangeRateSync(fetched_at=utcnow(), latest_day=max(r["day"] for r in rows)))
    session.flush()
    after = session.scalar(select(func.count()).select_from(ExchangeRate))
    return (after or 0) - (before or 0)


def refresh_rates(session: Session, url: str, *, timeout: float = 10.0) -> int:
    """Read BNR's feed and store its new rates (the worker's periodic job, and on demand)."""
    return store_rates(session, bnr.fetch_rates(url, timeout=timeout))


def _only_weekend_between(first: dt.date, last: dt.date) -> bool:
    day = first + dt.timedelta(days=1)
    while day < last:
        if day.weekday() < 5:
            return False
        day += dt.timedelta(days=1)
    return True


def stored_rate(session: Session, currency: str, day: dt.date, *,
                timezone: str = default("TIMEZONE")) -> BnrRate | None:
    """Return the rate that applies on `day` from the table, or None when it may not be stored yet."""
    from zoneinfo import ZoneInfo

    row = session.execute(
        select(ExchangeRate.day, ExchangeRate.rate, ExchangeRate.multiplier)
        .where(ExchangeRate.currency == currency, ExchangeRate.day < day)
        .order_by(ExchangeRate.day.desc()).limit(1)).first()
    if row is None:
        return None
    published, value, multiplier = row
    rate = BnrRate(currency, (value / multiplier).quantize(Decimal("0.0001")), published)
    if _only_weekend_between(published, day):
        return rate
    start_of_day = dt.datetime.combine(day, dt.time(0), ZoneInfo(timezone))
    covered = session.scalar(select(ExchangeRateSync.id).where(ExchangeRateSync.fetched_at >= start_of_day).limit(1))
    return rate if covered else None


def rate_for(session: Session, day: dt.date, *, url: str = "", timeout: float = 10.0,
             timezone: str = default("TIMEZONE"), currency: str = FOREIGN) -> BnrRate:
    """Return the BNR rate that applies on `day`, reading the feed once if the table cannot tell.

    Raises NoExchangeRate (code "no_exchange_rate") when no rate is known: no document is issued, and
    the operation can be tried again once the worker has read the feed.
    """
    rate = stored_rate(session, currency, day, timezone=timezone)
    if rate is None and url:
        try:
            refresh_rates(session, url, timeout=timeout)
        except bnr.BnrUnavailable as exc:
            log.warning("BNR rates unavailable: %s", exc)
        rate = stored_rate(session, currency, day, timezone=timezone)
    if rate is None:
        raise NoExchangeRate(N_("No BNR %(currency)s rate is available for %(day)s yet; try again later."),
                             code="no_exchange_rate", currency=currency, day=day.isoformat())
    return rate
