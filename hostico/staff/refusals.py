"""The billing domain's refusals in the reader's language, shown at the form field they concern when there is
one (the domain's typed errors carry an English template and parameters; hostico.web.i18n translates them)."""

from __future__ import annotations

from flask import flash

from hostico.billing.errors import BillingError
from hostico.web.forms import Form
from hostico.web.i18n import error_message


def message(err: BillingError) -> str:
    """Return the refusal as a sentence in the request's language."""
    return error_message(err)


def show(err: BillingError, form: Form | None = None) -> bool:
    """Put the refusal at its form field (return True), or flash it (return False)."""
    field = getattr(form, err.field, None) if form is not None and err.field else None
    if field is not None:
        field.errors = [*(field.errors or []), message(err)]
        return True
    flash(message(err), "error")
    return False
