"""Company lookup in the billing forms: a CUI typed (or the button) fills the company from ANAF's registry."""

from __future__ import annotations

from hostico.client.blueprint import bp
from hostico.efactura import counties
from hostico.web.billing_form import company_lookup_answer
from hostico.web.extensions import limiter


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(ro_counties=counties.counties(), ro_sectors=counties.SECTORS,
                                       county_label=counties.county_name)


@bp.route("/billing/company-lookup")
@limiter.limit("30 per minute")
def company_lookup():
    """Answer the lookup status and, when ANAF knows the CUI, the company's fields (htmx out-of-band)."""
    return company_lookup_answer()
