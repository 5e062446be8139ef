"""Editing a proforma's billing data from My Invoices: inline (htmx) and as a full page without JavaScript."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm.exc import StaleDataError

from hostico.billing.buyers.validation import BUYER_FIELDS, validate_buyer
from hostico.billing.errors import BillingError, InvoiceNotEditable
from hostico.billing.proforma_edit import edit_proforma_billing, refuse_unless_editable
from hostico.billing.settings import BillingSettings
from hostico.client.blueprint import bp
from hostico.client.invoice_list import pending_edits
from hostico.client.invoices import invoice_status
from hostico.client.queries import own_invoice, own_profile
from hostico.models import BillingProfile, Invoice
from hostico.web.app_settings import settings as app_settings
from hostico.web.billing_form import check_vat_number
from hostico.web.database import db
from hostico.web.htmx import is_htmx
from hostico.web.i18n import country_names, error_message
from hostico.web.ids import parse_id


def _settings() -> BillingSettings:
    return app_settings().billing


def _profiles() -> list[BillingProfile]:
    return list(db.session.scalars(select(BillingProfile).where(
        BillingProfile.customer_id == current_user.id, BillingProfile.deleted_at.is_(None)
    ).order_by(BillingProfile.is_default.desc(), BillingProfile.id)))


def _sorted_countries() -> list[tuple[str, str]]:
    return list(country_names().items())


def _render_form(inv: Invoice, values: dict, errors: dict, status: int = 200, form_error: str | None = None):
    ctx = dict(inv=inv, values=values, errors=errors, profiles=_profiles(), prefix=f"edit-{inv.code}",
               countries=_sorted_countries(), approval_required=_settings().approve_new_billing_profiles,
               form_error=form_error)
    template = "client/_invoice_edit_row.html" if is_htmx() else "client/proforma_edit.html"
    return render_template(template, **ctx), status


def _render_row(inv: Invoice, message: str | None = None, error: bool = False, status: int = 200):
    pending = pending_edits([inv.id]).get(inv.id)
    return render_template("client/_invoice_row.html", inv=inv, pending_name=pending.display_name if pending else None,
                           row_message=message, row_error=error, status=invoice_status(inv)), status


def _refused(code: str, message: str):
    """Refuse an edit: the row (htmx, 409) or the invoice page with a flash (no JS); nothing changed."""
    db.session.rollback()
    inv = own_invoice(code)
    db.session.refresh(inv)
    if is_htmx():
        return _render_row(inv, message, error=True, status=409)
    flash(message, "error")
    return redirect(url_for("client.invoice", code=code), 303)


@bp.route("/invoices/<code>/edit", methods=["GET"])
def edit_proforma(code: str):
    """Show the billing-data form of an unpaid proforma (a row for htmx, a page otherwise)."""
    inv = own_invoice(code)
    try:
        refuse_unless_editable(inv)
    except InvoiceNotEditable as err:
        return _refused(code, error_message(err))
    values = {name: inv.buyer.get(name) or "" for name in BUYER_FIELDS}
    # The form opens on what the proforma bills now: its saved profile when it has one still offered.
    if inv.billing_profile_id and any(p.id == inv.billing_profile_id for p in _profiles()):
        values["profile_id"] = str(inv.billing_profile_id)
    return _render_form(inv, values, {})


@bp.route("/invoices/<code>/row")
def invoice_row(code: str):
    """Return an invoice's read-only row (the Cancel of the inline form); without htmx, the list."""
    inv = own_invoice(code)
    if not is_htmx():
        return redirect(url_for("client.invoices"))
    return _render_row(inv)


@bp.route("/invoices/<code>/edit", methods=["POST"])
def save_proforma(code: str):
    """Save new billing data on an unpaid proforma; refused once it is paid or not a proforma."""
    inv = own_invoice(code)
    try:
        refuse_unless_editable(inv)
    except InvoiceNotEditable as err:
        return _refused(code, error_message(err))
    form = request.form
    values = {name: form.get(name, "") for name in (*BUYER_FIELDS, "profile_id", "save_profile", "profile_label")}
    profile, buyer, notice = None, None, None
    raw_profile = form.get("profile_id", "").strip()
    if raw_profile:
        profile_id = parse_id(raw_profile)
        if profile_id is None:
            return _render_form(inv, values, {"profile_id": _("Choose one of your billing profiles.")}, 422)
        profile = own_profile(profile_id)
    else:
        result = validate_buyer(form)
        if not result.ok:
            return _render_form(inv, values, result.errors, 422,
                                form_error=_("Please correct the marked fields; nothing was saved."))
        buyer, errors, notice = check_vat_number(result.data, inv.buyer)  # before the row lock: a network call
        if errors:
            return _render_form(inv, values, errors, 422,
                                form_error=_("Please correct the marked fields; nothing was saved."))
    try:
        outcome = edit_proforma_billing(
            db.session, inv.id, customer_id=current_user.id, buyer=buyer, profile=profile, settings=_settings(),
            save_profile=form.get("save_profile") == "1", profile_label=form.get("profile_label"),
            ip=request.remote_addr,
        )
        db.session.commit()
    except InvoiceNotEditable as err:
        return _refused(code, error_message(err))
    except StaleDataError:
        return _refused(code, _("This proforma changed while you were editing it (it may have been paid)."
                                " Nothing was saved."))
    except BillingError as err:
        db.session.rollback()
        return _render_form(own_invoice(code), values, {}, 422, form_error=error_message(err))
    if outcome.applied:
        message = _("Billing data of %(code)s updated.", code=code)
        if outcome.vat_changed:
            category = outcome.invoice.vat_category
            message += " " + (_("VAT recalculated: reverse charge, 0% VAT.") if category == "AE"
                              else _("VAT recalculated: not taxable in Romania, no Romanian VAT.") if category == "O"
                              else _("VAT recalculated: standard VAT applies."))
    else:
        message = _("The change of %(code)s is waiting for approval by our staff;"
                    " the proforma keeps its data until then.", code=code)
    if notice:
        message += " " + notice
    if is_htmx():
        return _render_row(outcome.invoice, message)
    flash(message, "success")
    return redirect(url_for("client.invoices"), 303)
