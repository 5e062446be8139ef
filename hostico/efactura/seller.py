"""The seller's data (HOSTICO_SELLER_*) as CIUS-RO checks it: every invoice copies it, so it is checked once.

`problems(snapshot)` names each setting that would make every e-Factura document fail validation (a
Bucharest address without its sector, BR-RO-100; a county that is not one; an invalid CUI or IBAN…).
Production refuses to start with any of them (hostico/__init__.py, `_refuse_unsafe_config`); the checks
reuse what the document builder does with the same text (`ubl.seller_address`), so what passes here
builds a document that passes.
"""

from __future__ import annotations

from collections.abc import Mapping

from stdnum import exceptions as stdnum_errors
from stdnum import iban as std_iban
from stdnum.ro import cui as ro_cui

from hostico.efactura import counties
from hostico.efactura.ubl import seller_address


def problems(seller: Mapping[str, object]) -> list[str]:
    """One line per HOSTICO_SELLER_* setting that would fail CIUS-RO, naming the setting and the rule."""
    found: list[str] = []
    text = {key: str(value or "").strip() for key, value in seller.items()}
    if not text.get("name"):
        found.append("HOSTICO_SELLER_NAME must be set (BR-06: the seller's name)")
    cui = text.get("cui", "").replace(" ", "")
    try:
        ro_cui.validate(cui)
    except stdnum_errors.ValidationError:
        found.append("HOSTICO_SELLER_CUI is not a valid Romanian CUI/CIF (BR-RO-065: check digit)")
    address = seller_address(dict(text))
    if not address["street"]:
        found.append("HOSTICO_SELLER_ADDRESS has no street (BR-RO-080)")
    county = address["county"]
    if not counties.is_county_code(county):
        found.append("HOSTICO_SELLER_ADDRESS names no Romanian county (BR-RO-110): "
                     "write it as 'street, city, county, postal code'")
    elif county == counties.BUCHAREST and counties.sector_of(address["city"]) is None:
        found.append("HOSTICO_SELLER_ADDRESS is in Bucharest without its sector (BR-RO-100): "
                     "add 'Sector 1' … 'Sector 6'")
    elif not address["city"]:
        found.append("HOSTICO_SELLER_ADDRESS has no city (BR-RO-090)")
    iban = text.get("iban", "").replace(" ", "")
    if not iban:
        found.append("HOSTICO_SELLER_IBAN must be set (BG-16: where customers pay by transfer)")
    else:
        try:
            std_iban.validate(iban)
        except stdnum_errors.ValidationError:
            found.append("HOSTICO_SELLER_IBAN is not a valid IBAN (BT-84: check digits)")
    return found



def from_config(config: Mapping[str, object]) -> dict[str, str]:
    """The seller snapshot the settings give now (the same as billing's `seller_snapshot`, which invoices copy;
    read here too so that e-Factura does not import billing, which imports e-Factura's addresses)."""
    keys = ("name", "cui", "reg_com", "address", "bank", "iban", "capital")
    snapshot = {key: str(config.get(f"SELLER_{key.upper()}", "")) for key in keys}
    snapshot["vat_payer"] = "1" if bool(config.get("SELLER_VAT_PAYER", True)) else "0"
    return snapshot
