"""The billing domain's refusals in the reader's language: a typed error's code and parameters become a
translated sentence, shown at the form field it concerns when there is one."""

from __future__ import annotations

from flask import flash
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm

from hostico.billing.errors import BillingError

MESSAGES = {
    "received_in_future": _l("The money cannot have arrived after today."),
    "received_before_proforma": _l("The money cannot have arrived before the proforma was issued (%(issued)s)."),
    "amount_too_large": _l("A payment can be at most %(maximum)s."),
    "amount_not_positive": _l("Enter an amount greater than zero."),
    "amount_mismatch": _l("The amount %(amount)s does not match the proforma total %(total)s."),
    "exceeds_remaining": _l("At most %(remaining)s %(currency)s is left to credit on this invoice."),
    "line_already_credited": _l("Line %(line)s was already credited."),
    "unknown_line": _l("Choose lines of this invoice."),
    "fully_credited": _l("This invoice is already fully credited."),
    "not_fully_credited": _l("Credit this invoice in full before issuing its corrected invoice."),
    "already_reissued": _l("This sale was already invoiced again as %(live)s."),
    "not_reissuable": _l("Only a tax invoice issued from a proforma can be reissued."),
    "no_exchange_rate": _l("No BNR exchange rate is available yet for %(day)s; try again later."),
}


def message(err: BillingError) -> str:
    """Return the refusal as a sentence in the request's language (the domain's English text if unknown)."""
    template = MESSAGES.get(err.code or "")
    if template is None:
        return str(err)
    try:
        return str(template) % err.params if "%(" in str(template) else str(template)
    except (KeyError, TypeError, ValueError):
        return str(err)


def show(err: BillingError, form: FlaskForm | None = None) -> bool:
    """Put the refusal at its form field (return True), or flash it (return False)."""
    field = getattr(form, err.field, None) if form is not None and err.field else None
    if field is not None:
        field.errors = [*(field.errors or []), message(err)]
        return True
    flash(message(err), "error")
    return False

