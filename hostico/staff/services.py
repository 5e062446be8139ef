"""Services: suspend (with a reason and a note), unsuspend, terminate; each notifies the customer."""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hostico.billing.hosting_services import suspend_service, terminate_service, unsuspend_service
from hostico.staff.actions import run_change
from hostico.staff.blueprint import bp
from hostico.staff.forms import SuspendForm, TerminateForm
from hostico.staff.lookups import billing_settings, service_or_404
from hostico.staff.permissions import requires
from hostico.web.confirm import confirmation, confirmed
from hostico.web.database import db
from hostico.web.forms import EmptyForm, Form
from hostico.web.i18n import reason_label


def _back_url(service) -> str:
    return url_for("staff.customer", customer_id=service.customer_id, _anchor=f"service-{service.id}")


def _back(service):
    return redirect(_back_url(service), 303)


def _flash_form_errors(form: Form) -> None:
    for field, errors in form.errors.items():
        label = getattr(getattr(form, field, None), "label", None)
        for error in errors:
            flash(f"{label.text if label else field}: {error}", "error")


@bp.route("/services/<int:service_id>/suspend", methods=["POST"])
@requires("services.manage")
def suspend(service_id: int):
    """Suspend a service with a reason and a note (email + SMS to the customer)."""
    service = service_or_404(service_id)
    form = SuspendForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(service)
    if not confirmed():
        return confirmation(
            title=_("Suspend %(domain)s?", domain=service.domain),
            question=_("%(domain)s is suspended for %(reason)s: the site stops answering until staff or a payment "
                       "lifts the suspension. The customer gets an email, and an SMS if they opted in.",
                       domain=service.domain, reason=reason_label(form.reason.data)),
            button=_("Yes, suspend %(domain)s", domain=service.domain), back_url=_back_url(service),
            base="staff/base.html")
    settings = billing_settings()
    note = (form.note.data or "").strip() or None
    change = run_change(lambda: suspend_service(
        db.session, service, reason=form.reason.data, note=note, actor_kind="staff", actor_id=current_user.id,
        sms_hours=settings.sms_hours, timezone=settings.timezone))
    if not change.ok:
        return _back(service)
    flash(_("%(domain)s is suspended (%(reason)s); the customer is notified.", domain=service.domain,
            reason=reason_label(form.reason.data)), "success")
    return _back(service)


@bp.route("/services/<int:service_id>/unsuspend", methods=["POST"])
@requires("services.manage")
def unsuspend(service_id: int):
    """Lift a service's suspension (email to the customer)."""
    service = service_or_404(service_id)
    if EmptyForm().validate_on_submit():
        if run_change(lambda: unsuspend_service(db.session, service, actor_kind="staff",
                                                actor_id=current_user.id)).ok:
            flash(_("%(domain)s is active again.", domain=service.domain), "success")
    return _back(service)


@bp.route("/services/<int:service_id>/terminate", methods=["POST"])
@requires("services.manage")
def terminate(service_id: int):
    """Terminate a service for good (email to the customer)."""
    service = service_or_404(service_id)
    form = TerminateForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(service)
    if not confirmed():
        return confirmation(
            title=_("Terminate %(domain)s?", domain=service.domain),
            question=_("%(domain)s is terminated for good: it cannot be unsuspended or renewed afterwards. The "
                       "customer gets an email.", domain=service.domain),
            button=_("Yes, terminate %(domain)s", domain=service.domain), back_url=_back_url(service),
            base="staff/base.html")
    change = run_change(lambda: terminate_service(db.session, service, actor_kind="staff", actor_id=current_user.id))
    if not change.ok:
        return _back(service)
    flash(_("%(domain)s is terminated.", domain=service.domain), "success")
    return _back(service)
