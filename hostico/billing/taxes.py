"""VAT and totals in Decimal, rounded per line as Romanian invoices are."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

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


def is_reverse_charge(buyer: dict) -> bool:
    """True when the buyer is a VAT-registered business in another EU member state (B2B reverse charge)."""
    country = (buyer.get("country") or "RO").upper()
    return (
        buyer.get("kind") == "company"
        and bool(buyer.get("vat_number"))
        and country != "RO"
        and country in EU_COUNTRIES
    )


def vat_rate_for(buyer: dict, standard_rate: Decimal) -> Decimal:
    """Return the VAT rate that applies to a line sold to this buyer."""
    return Decimal("0") if is_reverse_charge(buyer) else Decimal(standard_rate)


def vat_breakdown(lines) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """Group lines by VAT rate: rate -> (net, vat)."""
    out: dict[Decimal, tuple[Decimal, Decimal]] = {}
    for line in lines:
        net, vat = out.get(line.vat_rate, (Decimal("0.00"), Decimal("0.00")))
        out[line.vat_rate] = (net + line.net, vat + line.vat)
    return dict(sorted(out.items(), reverse=True))
