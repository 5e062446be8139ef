"""Addresses as CIUS-RO accepts them, checked where they are typed (so ANAF never rejects a document).

In Romania the county is an ISO 3166-2:RO code chosen from the list and, in Bucharest, the sector
(`SECTOR1` … `SECTOR6`) stands in the city's place (BR-RO-100/110). Street, city and postal code keep
within CIUS-RO's lengths (BR-RO-L150, L050, L020); names within 200 characters.
"""

from __future__ import annotations

from hostico.efactura import counties
from hostico.errors import N_, FieldMessage

# Field -> CIUS-RO maximum length, for the billing forms (maxlength) and their validation.
LIMITS = {"name": 200, "company_name": 200, "address": 150, "city": 50, "postal_code": 20}


def check_address(values: dict[str, str], errors: dict[str, str]) -> dict[str, str | None]:
    """Return the county code and the city to store (the sector in Bucharest); add field errors."""
    country = (values.get("country") or "").upper()
    county_typed = (values.get("county") or "").strip()
    city = (values.get("city") or "").strip()
    for name in ("address", "city", "postal_code"):
        if len(values.get(name) or "") > LIMITS[name] and name not in errors:
            errors[name] = FieldMessage(N_("At most %(limit)s characters."), limit=LIMITS[name])
    if country != "RO":
        return {"county": county_typed or None, "city": city}
    code = counties.to_code(county_typed)
    if not county_typed:
        errors["county"] = FieldMessage(N_("Enter the county (județ)."))
        return {"county": None, "city": city}
    if code is None:
        errors["county"] = FieldMessage(N_("Choose the county (județ) from the list."))
        return {"county": None, "city": city}
    if code == counties.BUCHAREST:
        sector = counties.sector_of(values.get("sector"), city)
        if sector is None:
            errors["sector"] = FieldMessage(N_("Choose the sector of Bucharest."))
        else:
            city = sector
            errors.pop("city", None)  # in Bucharest the sector is the city
    return {"county": code, "city": city}
