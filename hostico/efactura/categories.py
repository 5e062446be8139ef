"""The EN 16931 VAT category of each invoice line (UNCL 5305: S, AE, O), read from the invoice snapshot.

The billing domain decides the tax treatment when it issues a document (billing.taxes.tax_treatment)
and keeps it on the document (`vat_category`, `vat_mention`); this module only names it the way
e-Factura does. A line that carries its own category keeps it; a document without one (built by hand)
falls back to: reverse charge `AE`, a line with Romanian VAT `S`, a line without VAT `O` (outside the
scope of Romanian VAT: a business or a person outside the EU, or a seller who is not a VAT payer).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hostico.models import Invoice, InvoiceLine

STANDARD, REVERSE_CHARGE, OUTSIDE_SCOPE = "S", "AE", "O"
# Legal mentions, always in Romanian (art. 319 Cod fiscal), and the VATEX codes of the CEF code list.
EXEMPTION = {
    REVERSE_CHARGE: ("VATEX-EU-AE", "Taxare inversă"),
    OUTSIDE_SCOPE: ("VATEX-EU-O", "Neimpozabil în România"),
}


def line_category(invoice: Invoice, line: InvoiceLine) -> str:
    """Return S, AE or O for one line of an issued document."""
    explicit = getattr(line, "vat_category", None)
    if explicit in (STANDARD, REVERSE_CHARGE, OUTSIDE_SCOPE):
        return str(explicit)
    stored = getattr(invoice, "vat_category", None)
    if stored in (STANDARD, REVERSE_CHARGE, OUTSIDE_SCOPE):
        return str(stored)
    if invoice.reverse_charge:
        return REVERSE_CHARGE
    if Decimal(line.vat_rate) > 0:
        return STANDARD
    return OUTSIDE_SCOPE


def exemption_reason(invoice: Invoice, category: str) -> tuple[str, str] | None:
    """Return (VATEX code, Romanian mention) for AE and O, None for S."""
    if category == OUTSIDE_SCOPE:
        mention = getattr(invoice, "vat_mention", None) or _outside_scope_mention(invoice)
        return EXEMPTION[OUTSIDE_SCOPE][0], mention
    return EXEMPTION.get(category)


def _outside_scope_mention(invoice: Invoice) -> str:
    seller = invoice.seller or {}
    if str(seller.get("vat_payer", "1")).lower() in ("0", "false", "no"):
        return "Neplătitor de TVA"
    buyer = invoice.buyer or {}
    article = "art. 278 alin. 5 lit. h" if buyer.get("kind") == "person" else "art. 278 alin. 2"
    return f"Neimpozabil în România ({article} Cod fiscal)"
