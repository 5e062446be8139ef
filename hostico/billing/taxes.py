"""VAT and totals in Decimal, rounded per line as Romanian invoices are."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Protocol

from hostico.models.billing_profile import BuyerSnapshot

if TYPE_CHECKING:
    from hostico.models import InvoiceLine

CENT = Decimal("0.01")
EU_COUNTRIES = frozenset(
    "AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK".split()
)


def round_money(value: Decimal) -> Decimal:
    """Round to bani, half up (the rounding Romanian invoicing software uses)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class LineAmounts:
    net: Decimal
    vat: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.vat


def line_amounts(quantity: Decimal, unit_price: Decimal, vat_rate: Decimal) -> LineAmounts:
    """Compute a line's net and VAT, each rounded on the line (not on the invoice total)."""
    net = round_money(Decimal(quantity) * Decimal(unit_price))
    vat = round_money(net * Decimal(vat_rate) / 100)
    return LineAmounts(net=net, vat=vat)


# VAT categories (EN 16931 / UNCL 5305) and the legal mentions that go with them, always in Romanian.
STANDARD, REVERSE_CHARGE, OUTSIDE_SCOPE = "S", "AE", "O"
REVERSE_CHARGE_MENTION = "Taxare inversă"
OUTSIDE_EU_BUSINESS_MENTION = "Neimpozabil în România (art. 278 alin. 2 Cod fiscal)"
OUTSIDE_EU_PERSON_MENTION = "Neimpozabil în România (art. 278 alin. 5 lit. h Cod fiscal)"
NOT_VAT_PAYER_MENTION = "Neplătitor de TVA"


@dataclass(frozen=True)
class Treatment:
    """How a sale to one buyer is taxed: the VAT category, the rate and the mention printed for it."""

    category: str
    rate: Decimal
    mention: str | None = None

    @property
    def reverse_charge(self) -> bool:
        return self.category == REVERSE_CHARGE


class RateSource(Protocol):
    @property
    def seller_vat_payer(self) -> bool: ...

    def vat_rate_on(self, day: dt.date) -> Decimal: ...


def vies_confirmed(buyer: BuyerSnapshot) -> bool:
    """True when VIES answered that the buyer's VAT number (the one on the snapshot) is valid."""
    answer: Mapping[str, object] = buyer.get("vies") or {}
    number = (buyer.get("vat_number") or "").replace(" ", "").upper()
    return bool(number) and answer.get("valid") is True and answer.get("vat_number") == number


def tax_treatment(buyer: BuyerSnapshot, seller: RateSource, on_date: dt.date) -> Treatment:
    """Decide the VAT of hosting sold to `buyer` on `on_date` (place of supply, art. 278 Cod fiscal).

    Electronically supplied services: a business is taxed where it is established, a person where
    they live. Romanian VAT for buyers in Romania and for persons elsewhere in the EU (under the
    10,000 EUR threshold); reverse charge for an EU business whose VAT number VIES confirmed (never on
    the number's format alone); nothing for businesses and persons outside the EU.
    """
    if not seller.seller_vat_payer:
        return Treatment(OUTSIDE_SCOPE, Decimal("0"), NOT_VAT_PAYER_MENTION)
    country = (buyer.get("country") or "RO").upper()
    company = buyer.get("kind") == "company"
    if country not in EU_COUNTRIES:
        return Treatment(OUTSIDE_SCOPE, Decimal("0"),
                         OUTSIDE_EU_BUSINESS_MENTION if company else OUTSIDE_EU_PERSON_MENTION)
    if country != "RO" and company and vies_confirmed(buyer):
        return Treatment(REVERSE_CHARGE, Decimal("0"), REVERSE_CHARGE_MENTION)
    return Treatment(STANDARD, Decimal(seller.vat_rate_on(on_date)))


def vat_breakdown(lines: Iterable[InvoiceLine]) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """Group lines by VAT rate: rate -> (net, vat)."""
    out: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        net, vat = out.get(line.vat_rate, (Decimal("0.00"), Decimal("0.00")))
        out[line.vat_rate] = (net + line.net, vat + line.vat)
    return dict(sorted(out.items(), reverse=True))
