"""The order page's summary (docs/client-area.md#the-order-summary): what the proforma of an order will say.

The summary is the proforma itself, unsaved and unnumbered: the same price, currency, VAT treatment, rounding and
lei amounts (`invoicing.price_document`, which `build_proforma` uses too), so the total a customer reads before
ordering is the total of the proforma the order creates. It never reads BNR's feed (a page view does not write):
without a stored rate for today, the lei price is left to the proforma.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy.orm import Session

from hostico.billing.currency import FOREIGN, BnrRate, stored_rate
from hostico.billing.errors import NoExchangeRate
from hostico.billing.invoicing import LineSpec, needs_rate, price_document
from hostico.billing.orders import price_for
from hostico.billing.settings import BillingSettings
from hostico.billing.taxes import EU_COUNTRIES, vies_confirmed
from hostico.models import Invoice, Product
from hostico.models.billing_profile import BuyerSnapshot


@dataclass(frozen=True)
class OrderQuote:
    """A plan and cycle priced for a buyer on a day."""

    product: Product
    cycle: str
    price: Decimal  # the plan's price for the cycle, without VAT, as the plan lists it
    price_currency: str
    document: Invoice | None  # the unsaved proforma (currency, lines, VAT, totals); None: the lei price waits for BNR
    rate: BnrRate | None
    vies_pending: bool  # an EU company's VAT number not confirmed by VIES: Romanian VAT until it is


def quote_order(session: Session, product: Product, cycle: str, buyer: BuyerSnapshot, settings: BillingSettings,
                today: dt.date) -> OrderQuote:
    """Price an order of `product` for `cycle` billed to `buyer` as place_order's proforma will be on `today`.

    Raises OrderRefused for a cycle the plan does not sell.
    """
    price = price_for(product, cycle)
    spec = LineSpec(description=product.name, unit_price=price.amount, currency=price.currency)
    rate = stored_rate(session, FOREIGN, today, timezone=settings.timezone) \
        if needs_rate([spec], buyer, settings) else None
    try:
        document: Invoice | None = price_document(Invoice(), [spec], buyer, settings, today, rate)
    except NoExchangeRate:
        document = None
    country = (buyer.get("country") or "RO").upper()
    pending = (settings.seller_vat_payer and buyer.get("kind") == "company" and country in EU_COUNTRIES
               and country != "RO" and bool(buyer.get("vat_number")) and not vies_confirmed(buyer))
    return OrderQuote(product=product, cycle=cycle, price=price.amount, price_currency=price.currency,
                      document=document, rate=rate, vies_pending=pending)
