"""The billing-data form every blueprint shows (templates/client/_billing_form.html) and its checks, written once.

My Details, the proforma edit, the order and the staff's new customer read the same fields, validate them with
the same rules (hostico.billing.buyers.validation: CNP and CUI check digits, EU VAT numbers, address, county and
sector), ask VIES about an EU business's VAT number the same way, and fill a company from ANAF's registry the same
way (docs/fiscal.md, docs/efactura.md).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from flask import render_template, request
from flask_babel import gettext as _
from stdnum.ro import cui as ro_cui

from hostico.billing import vies
from hostico.billing.buyers.validation import BUYER_FIELDS
from hostico.billing.vat_checks import with_vies
from hostico.efactura import counties
from hostico.efactura.lookup import LookupFailed, normalise_cui, registry_for
from hostico.web.app_settings import settings as app_settings

FIELDS = (*BUYER_FIELDS, "sector")
# What a person types; `kind` and `country` always carry a value (the radio button and the list's default).
_TYPED = tuple(name for name in FIELDS if name not in ("kind", "country"))


def typed_values(form: Mapping[str, str]) -> dict[str, str]:
    """The billing fields as posted, to show them again."""
    return {name: form.get(name, "") for name in FIELDS}


def is_filled(values: Mapping[str, str]) -> bool:
    """True when anything was typed into the billing fields (an optional section left empty is not)."""
    return any((values.get(name) or "").strip() for name in _TYPED)


def check_vat_number(data: dict, previous: dict | None = None) -> tuple[dict, dict, str | None]:
    """Ask VIES about an EU business's VAT number; return (data with `vies`, field errors, notice).

    A number VIES says is not valid is a field error (nothing is saved); a number VIES could not
    check is saved with Romanian VAT, and the customer is told it will be checked again. An unchanged
    number already confirmed keeps its answer.
    """
    kept = (previous or {}).get("vies")
    if kept and vies.still_applies(data, kept) and kept.get("status") == vies.VALID and vies.needs_check(data):
        return {**data, "vies": kept}, {}, None
    checked = with_vies(data, app_settings().billing)
    answer = checked.get("vies") or {}
    number = checked.get("vat_number")
    if answer.get("status") == vies.INVALID:
        return checked, {"vat_number": _("VIES (the EU's register of VAT numbers) says %(number)s is not a valid "
                                         "VAT number. Correct it, or leave it empty to be invoiced with Romanian "
                                         "VAT.", number=number)}, None
    if answer.get("status") == vies.PENDING:
        return checked, {}, _("VIES (the EU's register of VAT numbers) could not check %(number)s right now, so "
                              "Romanian VAT applies for now. We will check it again automatically and apply "
                              "reverse charge once VIES confirms it.", number=number)
    return checked, {}, None


def _registry():
    efactura = app_settings().efactura
    return registry_for(efactura.registry_url, efactura.registry_timeout)


def company_lookup_answer() -> str:
    """Render the lookup status and, when ANAF knows the CUI, the company's fields (htmx out-of-band swaps)."""
    prefix = request.args.get("prefix", "")
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,40}", prefix):
        prefix = "billing"
    typed = request.args.get("cui", "")
    ctx = {"prefix": prefix, "errors": {}, "values": {}, "company": None, "kind": "muted", "message": ""}
    cui = normalise_cui(typed)
    if cui is None:
        if typed.strip():
            ctx["message"] = _("Type the CUI's digits (with or without RO) to fill in the company from ANAF.")
        return render_template("client/_company_lookup.html", **ctx)
    if not ro_cui.is_valid(cui):  # a wrong check digit: say so at once, without asking ANAF
        ctx.update(kind="field-error", message=_("Invalid CUI: its check digit is wrong."))
        return render_template("client/_company_lookup.html", **ctx)
    try:
        company = _registry().lookup(cui)
    except LookupFailed as failed:
        if failed.code == "not_found":
            ctx.update(kind="field-error", message=_("ANAF's registry has no company with CUI %(cui)s.", cui=cui))
        else:
            ctx.update(kind="field-error", message=_("ANAF's registry did not answer; type the company's data "
                                                     "yourself."))
        return render_template("client/_company_lookup.html", **ctx)
    if company.inactive:
        message = _("%(name)s is an INACTIVE taxpayer at ANAF: check before you bill it.", name=company.name)
        kind = "field-error"
    elif company.vat_registered:
        message, kind = _("%(name)s — registered for VAT.", name=company.name), "lookup-ok"
    else:
        message, kind = _("%(name)s — not registered for VAT.", name=company.name), "lookup-ok"
    ctx.update(company=company, message=message, kind=kind, values={
        "company_name": company.name, "reg_com": company.reg_com, "vat_number": company.vat_number or "",
        "address": company.street, "city": company.city, "county": company.county or "",
        "sector": company.city if company.city in counties.SECTORS else "", "postal_code": company.postal_code,
    })
    return render_template("client/_company_lookup.html", **ctx)
