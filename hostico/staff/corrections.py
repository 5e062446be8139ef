"""Corrections of tax invoices from the staff invoice page: credit notes (lines, an amount, or all that
is left) and, after a full credit note, the corrected tax invoice of the same sale."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hostico.billing.corrections import credit_tax_invoice, reissue_tax_invoice, remaining_to_credit
from hostico.billing.errors import BillingError
from hostico.models.invoice import InvoiceKind
from hostico.staff.blueprint import bp
from hostico.staff.invoices import _invoice_page, credit_form, reissue_form
from hostico.staff.lookups import billing_settings, business_today, invoice_or_404
from hostico.staff.permissions import requires
from hostico.staff.refusals import show
from hostico.web.database import db


def _to(code: str):
    return redirect(url_for("staff.invoice", code=code), 303)


@bp.route("/invoices/<code>/credit-note", methods=["POST"])
@requires("credit_notes.issue")
def credit_note(code: str):
    """Correct a tax invoice with a credit note: chosen lines, an amount, or everything left."""
    inv = invoice_or_404(code)
    form = credit_form(inv, remaining_to_credit(db.session, inv) if inv.kind == InvoiceKind.TAX else None)
    if not form.validate_on_submit():
        return _invoice_page(inv, credit=form, status=422)
    try:
        note = credit_tax_invoice(db.session, inv, settings=billing_settings(), today=business_today(),
                                  reason=form.reason.data.strip(), lines=form.lines.data or None,
                                  amount=form.amount.data, staff_id=current_user.id)
        db.session.commit()
    except BillingError as err:
        db.session.rollback()
        if show(err, form):
            return _invoice_page(inv, credit=form, status=422)
        return _to(inv.code)
    flash(_("Credit note %(code)s issued.", code=note.code), "success")
    return _to(note.code)


@bp.route("/invoices/<code>/reissue", methods=["POST"])
@requires("credit_notes.issue")
def reissue(code: str):
    """Issue the corrected tax invoice of a fully credited sale (storno and reissue), with its own number."""
    inv = invoice_or_404(code)
    form = reissue_form(inv)
    if not form.validate_on_submit():
        return _invoice_page(inv, reissue=form, status=422)
    profile = form.profiles.get(form.payer.data)
    try:
        tax = reissue_tax_invoice(db.session, inv, settings=billing_settings(), today=business_today(),
                                  staff_id=current_user.id, buyer=profile.snapshot() if profile else None,
                                  reason=form.reason.data.strip())
        db.session.commit()
    except BillingError as err:
        db.session.rollback()
        show(err)
        return _to(inv.code)
    flash(_("Corrected tax invoice %(code)s issued.", code=tax.code), "success")
    return _to(tax.code)
