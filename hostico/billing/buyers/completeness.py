"""Complete buyer data (docs/fiscal.md, art. 319 alin. 20 Cod fiscal): no proforma or tax invoice without the
buyer's name and full address (street, city, county in Romania, country) and, for a company, its CUI.
"""

from __future__ import annotations

from collections.abc import Mapping

from hostico.billing.errors import IncompleteBuyer
from hostico.errors import N_

INCOMPLETE = N_("An invoice to %(buyer)s cannot be issued without the buyer's full billing data: name, street"
                " address, city, county (in Romania), country and, for a company, its CUI.")


def _present(value: object) -> bool:
    return bool(str(value or "").strip())


def missing_buyer_fields(buyer: Mapping[str, object] | None) -> tuple[str, ...]:
    """Return the fields a buyer snapshot lacks to be invoiced (empty when it is complete)."""
    buyer = buyer or {}
    company = buyer.get("kind") == "company"
    required = ["company_name", "cui"] if company else ["name"]
    required += ["address", "city", "country"]
    if str(buyer.get("country") or "").upper() == "RO":
        required.append("county")
    return tuple(name for name in required if not _present(buyer.get(name)))


def require_complete_buyer(buyer: Mapping[str, object] | None) -> None:
    """Raise IncompleteBuyer (code "incomplete_buyer") unless the buyer can be put on an invoice."""
    missing = missing_buyer_fields(buyer)
    if missing:
        buyer = buyer or {}
        name = (buyer.get("company_name") if buyer.get("kind") == "company" else buyer.get("name")) or "?"
        raise IncompleteBuyer(INCOMPLETE, missing=missing, buyer=name)
