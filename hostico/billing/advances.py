"""Advances (art. 282 alin. 2 lit. b Cod fiscal): the tax invoice lines for money received before a proforma is paid
in full, and the lines that deduct those advances from its final tax invoice (docs/payments.md)."""

from __future__ import annotations

from decimal import Decimal

from hostico.billing.taxes import CENT, LineAmounts, line_amounts, round_money
from hostico.models import Invoice, InvoiceLine


def split_gross(gross: Decimal, vat_rate: Decimal) -> LineAmounts:
    """Split an amount received, VAT included, into base and VAT at `vat_rate` (art. 282 alin. 2 lit. b: VAT
    is due on the advance; the "sută mărită" method, VAT = amount × rate / (100 + rate)).

    The base is chosen so that base + VAT equals the amount exactly and VAT is the base × rate rounded
    as every line is (the rule e-Factura checks per rate, BR-CO-17); when no base gives both (some amounts
    cannot be reached by a rounded base), the VAT is what is left of the amount after the base.
    """
    gross, rate = Decimal(gross), Decimal(vat_rate)
    base = round_money(gross * 100 / (100 + rate))
    for candidate in (base, base - CENT, base + CENT, base - 2 * CENT, base + 2 * CENT):
        amounts = line_amounts(Decimal("1"), candidate, rate)
        if amounts.total == gross:
            return amounts
    return LineAmounts(net=base, vat=gross - base)


def advance_lines(proforma: Invoice, amount: Decimal) -> list[InvoiceLine]:
    """The lines of the tax invoice for an advance of `amount` received for a proforma: one line per VAT rate,
    "Avans pentru proforma HPF-…", the amount shared between the rates as the proforma's totals are."""
    groups: dict[Decimal, Decimal] = {}
    for line in proforma.lines:
        groups[line.vat_rate] = groups.get(line.vat_rate, Decimal("0")) + line.net + line.vat
    groups = {rate: gross for rate, gross in groups.items() if gross > 0} or {Decimal("0"): Decimal("1")}
    whole = sum(groups.values(), Decimal("0"))
    lines, left = [], Decimal(amount)
    for position, (rate, gross) in enumerate(groups.items(), start=1):
        share = left if position == len(groups) else round_money(Decimal(amount) * gross / whole)
        left -= share
        amounts = split_gross(share, rate)
        lines.append(InvoiceLine(position=position, description=f"Avans pentru proforma {proforma.code}",
                                 quantity=Decimal("1"), unit_price=amounts.net, vat_rate=rate, net=amounts.net,
                                 vat=amounts.vat))
    return lines


def advance_storno_lines(advances: list[Invoice], start: int,
                         credit_notes: dict[int, list[Invoice]] | None = None) -> list[InvoiceLine]:
    """Lines that deduct the advances already invoiced from the final tax invoice of a proforma ("Storno avans
    factura HST-…"), each at the VAT rate it was invoiced at. What a credit note gave back of an advance (a
    refund, docs/payments.md) is not deducted again: per rate, the advance less its credit notes."""
    lines: list[InvoiceLine] = []
    for advance in advances:
        left: dict[Decimal, list[Decimal]] = {}
        for line in [*advance.lines, *(ln for note in (credit_notes or {}).get(advance.id, []) for ln in note.lines)]:
            net_vat = left.setdefault(line.vat_rate, [Decimal("0"), Decimal("0")])
            net_vat[0] += line.net
            net_vat[1] += line.vat
        for rate, (net, vat) in left.items():
            if not net and not vat:
                continue
            lines.append(InvoiceLine(
                position=start + len(lines), description=f"Storno avans factura {advance.code}", quantity=Decimal("-1"),
                unit_price=net, vat_rate=rate, net=-net, vat=-vat))
    return lines
