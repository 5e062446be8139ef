"""What an invoice line says, in the customer's language (Flask-free: the billing run, orders and staff use it).

A document is written once, when it is issued, so its lines are in the language of the customer it is issued
to (their saved language); the legal mentions stay Romanian whatever it is (hostico.billing.taxes).
"""

from __future__ import annotations

from hostico import locales
from hostico.errors import N_

CYCLE_WORDS = {"monthly": N_("monthly"), "quarterly": N_("quarterly"), "semiannual": N_("semiannual"),
               "annual": N_("annual")}


def hosting_line(plan: str, domain: str, cycle: str, language: str | None) -> str:
    """Return a hosting line's description: "Starter hosting — shop.ro (monthly)", "Găzduire Starter — … (lunar)"."""
    catalogue = locales.translations(locales.supported(language))
    word = CYCLE_WORDS.get(cycle)
    return catalogue.ugettext(N_("%(plan)s hosting — %(domain)s (%(cycle)s)")) % {
        "plan": plan, "domain": domain, "cycle": catalogue.ugettext(word) if word else cycle}
