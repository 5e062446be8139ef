"""My Details — billing profiles: add, change, delete and choose the default (a person or a legal entity)."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hostico.billing.buyers import lifecycle
from hostico.billing.buyers.lifecycle import live_profiles
from hostico.billing.buyers.profiles import is_usable
from hostico.billing.buyers.validation import BUYER_FIELDS, validate_buyer
from hostico.billing.proforma_edit import complete_unpaid_proformas
from hostico.client import my_details
from hostico.client.billing_data import forget_billing_data
from hostico.client.blueprint import bp
from hostico.client.queries import own_profile
from hostico.models import BillingProfile
from hostico.text import control_character_errors
from hostico.web.app_settings import settings as app_settings
from hostico.web.billing_form import check_vat_number
from hostico.web.confirm import confirmation, confirmed
from hostico.web.database import db
from hostico.web.htmx import is_htmx
from hostico.web.i18n import country_names
from hostico.web.redirects import safe_next


def _approval_on() -> bool:
    return app_settings().billing.approve_new_billing_profiles


def context() -> dict:
    """Data the billing-profiles section of My Details needs."""
    return {"profiles": live_profiles(db.session, current_user.id), "approval_required": _approval_on()}


@my_details.section("profiles")
def _page_section(forms: dict) -> dict:
    return context()


def _section(notice: str | None = None):
    """The section for htmx requests (with what just happened), otherwise back to My Details."""
    if is_htmx():
        return render_template("client/_profiles.html", notice=notice, **context())
    if notice:
        flash(notice, "success")
    return redirect(url_for("client.my_details") + "#profiles", 303)


def _render_form(profile: BillingProfile | None, values: dict, errors: dict, status: int = 200):
    # A customer asked for billing data (client/billing_data.py) stays on that page, with its way back.
    template = "client/billing_data.html" if values.get("next") and profile is None else "client/profile_form.html"
    return render_template(
        template, profile=profile, values=values, errors=errors, profiles=[], prefix="profile",
        countries=list(country_names().items()), approval_required=_approval_on(),
        for_profile=True, form_error=_("Please correct the marked fields; nothing was saved.") if errors else None,
    ), status


def _form_values() -> dict:
    values = {name: request.form.get(name, "") for name in (*BUYER_FIELDS, "label", "is_default")}
    values["next"] = safe_next(request.form.get("next"), "")
    return values


def _label_errors() -> dict:
    return control_character_errors(request.form, ("label",))


def _bill_unpaid_proformas(profile: BillingProfile) -> None:
    """Put complete billing data on the customer's unpaid proformas issued without it (before the rule)."""
    settings = app_settings().billing
    if not is_usable(profile, settings):
        return
    codes = complete_unpaid_proformas(db.session, current_user.id, profile, settings)
    if codes:
        flash(_("Proformas %(codes)s now carry this billing data.", codes=", ".join(codes)), "success")


@bp.route("/my-details/profiles/new")
def new_profile():
    """Show the form for a new billing profile."""
    kind = "company" if request.args.get("kind") == "company" else "person"
    return _render_form(None, {"kind": kind, "country": "RO"}, {})


@bp.route("/my-details/profiles", methods=["POST"])
def create_profile():
    """Save a new billing profile (validated like a proforma's billing data)."""
    values = _form_values()
    result = validate_buyer(request.form)
    if not result.ok or _label_errors():
        return _render_form(None, values, {**result.errors, **_label_errors()}, 422)
    data, errors, notice = check_vat_number(result.data)
    if errors:
        return _render_form(None, values, errors, 422)
    profile = lifecycle.create_profile(db.session, current_user.id, {**result.data, "vies": data.get("vies")},
                                       app_settings().billing,
                                       label=values["label"], default="always" if values["is_default"] else "if_none",
                                       ip=request.remote_addr)
    flash(_("Billing profile %(name)s added.", name=profile.display_name), "success")
    if notice:
        flash(notice, "info")
    _bill_unpaid_proformas(profile)
    db.session.commit()
    forget_billing_data()
    return redirect(values["next"] or url_for("client.my_details") + "#profiles", 303)


@bp.route("/my-details/profiles/<int:profile_id>/edit", methods=["GET", "POST"])
def edit_profile(profile_id: int):
    """Change a billing profile; invoices already issued keep the data they were issued with."""
    profile = own_profile(profile_id)
    if request.method == "GET":
        values = {name: getattr(profile, name) or "" for name in BUYER_FIELDS}
        values.update(label=profile.label or "", is_default=profile.is_default)
        return _render_form(profile, values, {})
    values = _form_values()
    result = validate_buyer(request.form)
    if not result.ok or _label_errors():
        return _render_form(profile, values, {**result.errors, **_label_errors()}, 422)
    data, errors, notice = check_vat_number(result.data, profile.snapshot())
    if errors:
        return _render_form(profile, values, errors, 422)
    lifecycle.update_profile(db.session, profile, {**result.data, "vies": data.get("vies")}, app_settings().billing,
                             label=values["label"],
                             make_default=bool(values["is_default"]), ip=request.remote_addr)
    flash(_("Billing profile %(name)s saved.", name=profile.display_name), "success")
    if notice:
        flash(notice, "info")
    _bill_unpaid_proformas(profile)
    db.session.commit()
    forget_billing_data()
    return redirect(url_for("client.my_details") + "#profiles", 303)


@bp.route("/my-details/profiles/<int:profile_id>/delete", methods=["POST"])
def delete_profile(profile_id: int):
    """Delete a billing profile (kept for the invoices that reference it, hidden from the customer)."""
    profile = own_profile(profile_id)
    if not confirmed():
        return confirmation(
            title=_("Delete billing profile %(name)s?", name=profile.display_name),
            question=_("%(name)s is no longer offered for your invoices. Invoices already issued keep the data "
                       "they were issued with.", name=profile.display_name),
            button=_("Yes, delete %(name)s", name=profile.display_name),
            back_url=url_for("client.my_details") + "#profiles")
    lifecycle.delete_profile(db.session, profile, ip=request.remote_addr)
    db.session.commit()
    forget_billing_data()
    return _section(_("Billing profile %(name)s deleted.", name=profile.display_name))


@bp.route("/my-details/profiles/<int:profile_id>/default", methods=["POST"])
def default_profile(profile_id: int):
    """Make a billing profile the default for new invoices."""
    profile = own_profile(profile_id)
    lifecycle.make_default(db.session, profile, ip=request.remote_addr)
    db.session.commit()
    return _section(_("%(name)s is now your default billing profile.", name=profile.display_name))
