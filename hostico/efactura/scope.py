"""Which documents go to ANAF's e-Factura, and through which door.

A tax invoice or credit note is reported when its place of supply is Romania (docs/efactura.md): the buyer
is established in Romania, or Romanian VAT was charged (a person in another EU state under the OSS
threshold, a business whose VAT number VIES did not confirm). Reverse charge (an EU business) and
supplies outside the scope of Romanian VAT (a business or a person outside the EU) are not reported,
except that since 2026 a business not established in Romania but registered for VAT here (a Romanian
VAT code, RO…, while its country is another) is always reported, through `upload`, under that code.
Businesses go through `upload`, consumers through `uploadb2c`; `extern=DA` marks a foreign buyer
without a Romanian VAT code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from hostico.efactura import categories
from hostico.efactura.ubl import buyer_identifier, romanian_vat_code
from hostico.models.invoice import InvoiceKind

if TYPE_CHECKING:
    from hostico.models import Invoice

UPLOAD, UPLOAD_B2C = "upload", "uploadb2c"


@dataclass(frozen=True)
class Route:
    """How one document is uploaded: the endpoint, `standard` (UBL or CN) and `extern`."""

    endpoint: str  # "upload" (business buyer) | "uploadb2c" (consumer)
    standard: str  # "UBL" (invoice) | "CN" (credit note)
    extern: bool  # True: send extern=DA (the buyer is not established in Romania)
    buyer_id: str  # CUI, CNP, or 13 zeros for a consumer without a CNP

    @property
    def params(self) -> dict[str, str]:
        """The query parameters of the upload besides `cif`."""
        out = {"standard": self.standard}
        if self.extern:
            out["extern"] = "DA"
        return out


def is_reported(invoice: Invoice) -> bool:
    """True when the document's place of supply is Romania (so it must reach SPV)."""
    if invoice.kind not in (InvoiceKind.TAX, InvoiceKind.CREDIT_NOTE):
        return False
    if romanian_vat_code(invoice.buyer or {}):
        return True  # registered for VAT in Romania: reported since 2026, whatever the VAT treatment
    line_categories = {categories.line_category(invoice, line) for line in invoice.lines}
    if categories.REVERSE_CHARGE in line_categories:
        return False
    country = ((invoice.buyer or {}).get("country") or "RO").upper()
    return country == "RO" or categories.STANDARD in line_categories


def route_for(invoice: Invoice) -> Route | None:
    """Return how to upload the document, or None when it is not reported to e-Factura."""
    if not is_reported(invoice):
        return None
    buyer = invoice.buyer or {}
    consumer = buyer.get("kind") != "company"
    return Route(
        endpoint=UPLOAD_B2C if consumer else UPLOAD,
        standard="CN" if invoice.kind == InvoiceKind.CREDIT_NOTE else "UBL",
        extern=(buyer.get("country") or "RO").upper() != "RO" and not romanian_vat_code(buyer),
        buyer_id=buyer_identifier(buyer),
    )
