"""Buyer (billing) data: validate what a customer typed and normalise it into an invoice snapshot.

Validation is real: CNP and CUI check digits (python-stdnum), EU VAT numbers (format and check
digits of each member state), and the address fields a Romanian invoice needs. The result is a
snapshot dict shaped like BillingProfile.snapshot(), or field errors; never both.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from babel import Locale
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat as eu_vat
from stdnum.ro import cnp as ro_cnp
from stdnum.ro import cui as ro_cui

from hostico.efactura.addresses import LIMITS as ADDRESS_LIMITS
from hostico.efactura.addresses import check_address
from hostico.errors import N_, FieldMessage
from hostico.text import control_character_errors

BUYER_FIELDS = ("kind", "name", "cnp", "company_name", "cui", "reg_com", "vat_number", "address", "city",
                "county", "postal_code", "country")
MAX_LENGTHS = {"cnp": 13, "cui": 20, "reg_com": 40, "vat_number": 20, "county": 100, "country": 2,
               **ADDRESS_LIMITS}  # the CIUS-RO limits of e-Factura (hostico.efactura.addresses)
# VAT numbers use "EL" for Greece where ISO 3166 says "GR".
_VAT_PREFIX = {"GR": "EL"}
COUNTRIES: dict[str, str] = {
    code: name for code, name in Locale("en").territories.items() if len(code) == 2 and code.isalpha()
    and code not in ("EU", "EZ", "UN", "QO", "XA", "XB", "ZZ")
}


@dataclass
class BuyerResult:
    """Validated buyer data (`data`) or the errors per field (`errors`)."""

    data: dict[str, str | None] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors


def _clean(raw: Mapping[str, object], name: str) -> str:
    value = raw.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _check_cnp(value: str, errors: dict[str, str]) -> str | None:
    if not value:
        return None
    try:
        return ro_cnp.validate(value)
    except stdnum_errors.ValidationError:
        errors["cnp"] = FieldMessage(N_("This CNP is not valid (13 digits with a correct check digit)."))
        return None


def _check_cui(value: str, errors: dict[str, str]) -> str | None:
    try:
        return ro_cui.validate(value)  # accepts an "RO" prefix and strips it
    except stdnum_errors.ValidationError:
        errors["cui"] = FieldMessage(N_("This CUI/CIF is not valid (check the digits)."))
        return None


def _check_vat(value: str, country: str, cui: str | None, errors: dict[str, str]) -> str | None:
    try:
        number = eu_vat.validate(value)
    except stdnum_errors.ValidationError:
        errors["vat_number"] = FieldMessage(N_("This is not a valid EU VAT number (country prefix and digits)."))
        return None
    prefix = _VAT_PREFIX.get(country, country)
    if number[:2] != prefix:
        errors["vat_number"] = FieldMessage(N_("A VAT number of a company in this country starts with %(prefix)s."),
                                              prefix=prefix)
        return None
    if country == "RO" and cui and number[2:] != cui:
        errors["vat_number"] = FieldMessage(N_("A Romanian VAT number is RO followed by the CUI."))
        return None
    return number


def validate_buyer(raw: Mapping[str, object]) -> BuyerResult:
    """Validate typed billing data for a person or a legal entity; return a snapshot or field errors."""
    values = {name: _clean(raw, name) for name in BUYER_FIELDS}
    errors: dict[str, str] = {}
    kind = values["kind"]
    if kind not in ("person", "company"):
        errors["kind"] = FieldMessage(N_("Choose a person or a legal entity."))
    for name, limit in MAX_LENGTHS.items():
        if len(values[name]) > limit:
            errors[name] = FieldMessage(N_("At most %(limit)s characters."), limit=limit)
    country = values["country"].upper()
    if country not in COUNTRIES:
        errors["country"] = FieldMessage(N_("Choose a country."))
    for name, message in (("address", N_("Enter the street address.")), ("city", N_("Enter the city."))):
        if not values[name]:
            errors[name] = FieldMessage(message)
    # County from the ISO 3166-2:RO list, Bucharest's sector as the city (CIUS-RO, e-Factura).
    place = check_address({**values, "country": country, "sector": _clean(raw, "sector")}, errors)
    data: dict[str, str | None] = dict.fromkeys(BUYER_FIELDS)
    data.update(kind=kind, address=values["address"], city=place["city"], county=place["county"],
                postal_code=values["postal_code"] or None, country=country)
    if kind == "person":
        if not values["name"]:
            errors["name"] = FieldMessage(N_("Enter the full name."))
        data["name"] = values["name"]
        data["cnp"] = _check_cnp(values["cnp"], errors) if "cnp" not in errors else None
    elif kind == "company":
        if not values["company_name"]:
            errors["company_name"] = FieldMessage(N_("Enter the company name."))
        data["company_name"] = values["company_name"]
        data["reg_com"] = values["reg_com"] or None
        cui = values["cui"]
        if not cui and country != "RO" and values["vat_number"]:
            cui = values["vat_number"]  # a foreign business is identified by its VAT number
        if not cui:
            errors["cui"] = FieldMessage(N_("Enter the CUI/CIF (tax identification number)."))
        elif country == "RO" and "cui" not in errors:
            cui = _check_cui(cui, errors) or ""
        data["cui"] = cui or None
        if values["vat_number"] and "vat_number" not in errors and "country" not in errors:
            data["vat_number"] = _check_vat(values["vat_number"], country, data["cui"], errors)
            if data["cui"] == values["vat_number"] and data["vat_number"]:
                data["cui"] = data["vat_number"]
    # Checked on what was typed (whitespace runs are folded above, so tab and newlines are harmless).
    errors.update(control_character_errors(raw, (*BUYER_FIELDS, "sector"), collapsed=True))
    if errors:
        return BuyerResult(errors=errors)
    return BuyerResult(data=data)
