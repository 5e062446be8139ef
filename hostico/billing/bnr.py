"""The BNR adapter: read the National Bank of Romania's reference-rate feed (nbrfxrates.xml).

The feed is `<DataSet xmlns="http://www.bnr.ro/xsd">` with a `Header` (`PublishingDate`) and a `Body`
holding one `<Cube date="YYYY-MM-DD">` per publication day (one in the daily file, ten in
nbrfxrates10days.xml), each with `<Rate currency="EUR">5.0917</Rate>` elements: lei per unit, or per
`multiplier` units (HUF, JPY, KRW: 100). BNR publishes on banking days around 13:00 Bucharest time;
the rate published on a day applies from the next one.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError

import httpx
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

NS = "{http://www.bnr.ro/xsd}"


class BnrUnavailable(Exception):
    """The feed could not be read (network, timeout, HTTP error, or not the feed's format)."""


@dataclass(frozen=True)
class PublishedRate:
    day: dt.date
    currency: str
    rate: Decimal
    multiplier: int = 1


def parse_feed(body: bytes) -> list[PublishedRate]:
    """Return every rate of a BNR feed document; raise BnrUnavailable when it is not one."""
    try:
        root = fromstring(body)  # defusedxml: no entity expansion, no external references
    except (ParseError, DefusedXmlException) as exc:
        raise BnrUnavailable(f"not XML: {exc}") from exc
    if root.tag != NS + "DataSet":
        raise BnrUnavailable(f"not BNR's DataSet but {root.tag!r}")
    rates = []
    for cube in root.iter(NS + "Cube"):
        try:
            day = dt.date.fromisoformat(cube.get("date", ""))
        except ValueError as exc:
            raise BnrUnavailable(f"bad Cube date {cube.get('date')!r}") from exc
        for el in cube.iter(NS + "Rate"):
            currency = (el.get("currency") or "").upper()
            try:
                rate = Decimal((el.text or "").strip())
                multiplier = int(el.get("multiplier") or 1)
            except (InvalidOperation, ValueError) as exc:
                raise BnrUnavailable(f"bad rate for {currency}: {el.text!r}") from exc
            if len(currency) != 3 or not rate.is_finite() or rate <= 0 or multiplier <= 0:
                raise BnrUnavailable(f"bad rate for {currency!r}: {el.text!r}")
            rates.append(PublishedRate(day, currency, rate.quantize(Decimal("0.0001")), multiplier))
    if not rates:
        raise BnrUnavailable("the feed holds no rates")
    return rates


def fetch_rates(url: str, *, timeout: float = 10.0) -> list[PublishedRate]:
    """Download and parse the feed at `url` (HOSTICO_BNR_RATES_URL)."""
    try:
        response = httpx.get(url, timeout=timeout, follow_redirects=True,
                             headers={"Accept": "application/xml, text/xml"})
    except httpx.HTTPError as exc:
        raise BnrUnavailable(f"{type(exc).__name__}: {exc}") from exc
    if response.status_code != 200:
        raise BnrUnavailable(f"HTTP {response.status_code}")
    return parse_feed(response.content)
