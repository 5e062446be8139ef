"""Run the billing run now, for a chosen date, and see its summary."""

from __future__ import annotations

from flask import flash, render_template
from flask_login import current_user
from sqlalchemy import select

from hostico.billing.errors import BillingRunBusy
from hostico.billing.run import run_billing_for_staff
from hostico.models import BillingRun
from hostico.staff.blueprint import bp
from hostico.staff.forms import BillingRunForm
from hostico.staff.lookups import billing_settings, client_ip
from hostico.staff.permissions import requires
from hostico.web.database import db
from hostico.web.i18n import error_message


def _page(form: BillingRunForm, summary: dict | None = None, status: int = 200):
    runs = db.session.scalars(select(BillingRun).order_by(BillingRun.started_at.desc(), BillingRun.id.desc())
                              .limit(10)).all()
    return render_template("staff/billing_run.html", form=form, summary=summary, runs=runs), status


@bp.route("/billing-run", methods=["GET", "POST"])
@requires("billing.run")
def billing_run():
    """Show recent runs; on POST run the billing run for the chosen date and show its summary."""
    form = BillingRunForm()
    if not form.validate_on_submit():
        return _page(form, status=422 if form.is_submitted() else 200)
    try:
        summary = run_billing_for_staff(db.session, billing_settings(), form.today.data, staff_id=current_user.id,
                                        ip=client_ip())
    except BillingRunBusy as busy:  # the daily timer (or a colleague) is running it right now
        db.session.rollback()
        flash(error_message(busy), "error")
        return _page(form, status=409)
    db.session.commit()
    return _page(BillingRunForm(formdata=None, today=form.today.data), summary=summary)
