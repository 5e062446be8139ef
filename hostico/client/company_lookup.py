"""Company lookup in the billing forms: a CUI typed (or the button) fills the company from ANAF's registry."""

from __future__ import annotations

import re

from flask import render_template, request
from flask_babel import gettext as _
from stdnum.ro import cui as ro_cui

from hostico.client.blueprint import bp
from hostico.efactura import counties
from hostico.efactura.lookup import LookupFailed, normalise_cui, registry_for
from hostico.web.app_settings import settings as app_settings
from hostico.web.extensions import limiter


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(ro_counties=counties.counties(), ro_sectors=counties.SECTORS,
                                       county_label=counties.county_name)


def _registry():
    efactura = app_settings().efactura
    return registry_for(efactura.registry_url, efactura.registry_timeout)


@bp.route("/billing/company-lookup")
@limiter.limit("30 per minute")
def company_lookup():
    """Answer the lookup status and, when ANAF knows the CUI, the company's fields (htmx out-of-band)."""
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
