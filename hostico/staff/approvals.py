"""Staff: approve or reject proforma billing changes that wait for approval of a new billing profile."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hostico.billing.errors import BillingError
from hostico.billing.proforma_edit import approve_pending_edit, reject_pending_edit
from hostico.models import BillingProfile, Customer, Invoice, PendingBillingEdit
from hostico.models.invoice import PendingEditStatus
from hostico.staff.blueprint import bp
from hostico.staff.permissions import can, requires
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.i18n import error_message


@bp.route("/approvals")
@requires("view")
def approvals():
    """List the billing changes waiting for a decision, oldest first, with the data to check."""
    rows = db.session.execute(
        select(PendingBillingEdit, Invoice, Customer, BillingProfile)
        .join(Invoice, Invoice.id == PendingBillingEdit.invoice_id)
        .join(Customer, Customer.id == PendingBillingEdit.customer_id)
        .join(BillingProfile, BillingProfile.id == PendingBillingEdit.billing_profile_id)
        .where(PendingBillingEdit.status == PendingEditStatus.PENDING)
        .order_by(PendingBillingEdit.id)
        .limit(200)
    ).all()
    return render_template("staff/approvals.html", rows=rows, can_decide=can("approvals.decide"))


@bp.route("/approvals/<int:pending_id>/approve", methods=["POST"])
@requires("approvals.decide")
def approve_billing_edit(pending_id: int):
    """Approve the new billing profile and apply it to the proforma if it is still unpaid."""
    try:
        applied = approve_pending_edit(db.session, pending_id, current_user.id,
                                       app_settings().billing)
        db.session.commit()
    except BillingError as err:
        db.session.rollback()
        flash(error_message(err), "error")
        return redirect(url_for("staff.approvals"), 303)
    if applied:
        flash(_("Approved: the proforma now carries the new billing data."), "success")
    else:
        flash(_("Approved the profile, but the proforma can no longer change (paid or cancelled)."), "error")
    return redirect(url_for("staff.approvals"), 303)


@bp.route("/approvals/<int:pending_id>/reject", methods=["POST"])
@requires("approvals.decide")
def reject_billing_edit(pending_id: int):
    """Reject the change: the proforma keeps its billing data."""
    try:
        reject_pending_edit(db.session, pending_id, current_user.id, request.form.get("note"))
        db.session.commit()
    except BillingError as err:
        db.session.rollback()
        flash(error_message(err), "error")
        return redirect(url_for("staff.approvals"), 303)
    flash(_("Rejected: the proforma keeps its billing data."), "success")
    return redirect(url_for("staff.approvals"), 303)
