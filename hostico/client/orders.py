"""Ordering hosting: choose a plan, a billing cycle and a domain; land on the order's proforma."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import cast

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from hostico.billing.buyers.lifecycle import create_profile
from hostico.billing.buyers.profiles import is_usable
from hostico.billing.buyers.validation import BUYER_FIELDS, validate_buyer
from hostico.billing.errors import IncompleteBuyer, NoExchangeRate
from hostico.billing.order_quote import OrderQuote, quote_order
from hostico.billing.orders import OrderRefused, check_order, place_order
from hostico.client.billing_data import forget_billing_data
from hostico.client.blueprint import bp
from hostico.models import CYCLES, BillingProfile, Product
from hostico.models.billing_profile import BuyerSnapshot
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.forms import Form
from hostico.web.htmx import is_htmx
from hostico.web.i18n import country_names, error_message
from hostico.web.security import public
from hostico.web.signup_form import open_account, signup_form

CYCLE_LABELS = {"monthly": _l("Monthly"), "quarterly": _l("Quarterly"), "semiannual": _l("Every 6 months"),
                "annual": _l("Yearly")}


class OrderForm(Form):
    product = RadioField(_l("Plan"), coerce=int, validators=[DataRequired(_l("Choose a plan."))],
                         validate_choice=False)
    # Choices are the cycles the plans sell (set per request); a cycle a plan does not sell gets the domain's message.
    cycle = SelectField(_l("Billing cycle"), choices=[SelectChoice(c, CYCLE_LABELS[c]) for c in CYCLES],
                        validate_choice=False)
    domain = StringField(_l("Domain"), validators=[DataRequired(_l("Enter the domain to host.")), Length(max=253)])
    profile = SelectField(_l("Bill to"), coerce=int, validate_choice=False)


def _business_today() -> dt.date:
    return app_settings().today()


def _products() -> list[Product]:
    return list(db.session.scalars(select(Product).where(Product.active.is_(True)).order_by(Product.id)))


def _profiles() -> list[BillingProfile]:
    """The customer's profiles an order can bill: complete and not waiting for staff approval."""
    settings = app_settings().billing
    profiles = db.session.scalars(select(BillingProfile).where(
        BillingProfile.customer_id == current_user.id, BillingProfile.deleted_at.is_(None)
    ).order_by(BillingProfile.is_default.desc(), BillingProfile.id))
    return [p for p in profiles if is_usable(p, settings)]


def _order_form(products: list[Product]) -> OrderForm:
    """The order form with the plans on sale and only the cycles they sell (never a cycle nobody sells)."""
    form = OrderForm()
    form.product.choices = [SelectChoice(p.id, p.name) for p in products]
    sold = {price.cycle for p in products for price in p.prices}
    form.cycle.choices = [SelectChoice(c, CYCLE_LABELS[c]) for c in CYCLES if c in sold]
    return form


def order_summary_context(products: list[Product], profiles: list[BillingProfile],
                          chosen: Mapping[str, str]) -> dict[str, object]:
    """The summary of what is chosen (plan, cycle, and the billing profile or the typed buyer's kind, country and
    VAT number): the proforma the order would create, priced by billing.order_quote (docs/client-area.md)."""
    product = next((p for p in products if str(p.id) == str(chosen.get("product") or "")), None)
    if product is None:
        return {"quote": None, "quote_error": None}
    sold = [c for c in CYCLES if c in {price.cycle for price in product.prices}]
    cycle = str(chosen.get("cycle") or (sold[0] if sold else ""))[:20]
    if profiles:
        profile = next((p for p in profiles if str(p.id) == str(chosen.get("profile") or "")), profiles[0])
        buyer = profile.snapshot()
    else:  # typed billing data: what decides the currency and the VAT (the proforma validates the rest)
        buyer = cast(BuyerSnapshot, {
            "kind": "company" if chosen.get("kind") == "company" else "person",
            "country": (str(chosen.get("country") or "RO").strip().upper() or "RO")[:2],
            "vat_number": str(chosen.get("vat_number") or "").replace(" ", "").upper()[:20] or None})
    try:
        quote: OrderQuote | None = quote_order(db.session, product, cycle, buyer, app_settings().billing,
                                               _business_today())
    except OrderRefused as exc:
        return {"quote": None, "quote_error": error_message(exc)}
    return {"quote": quote, "quote_error": None}


def _chosen(form: OrderForm) -> dict[str, str]:
    """What the page's form holds now (posted, or its defaults), for the summary rendered with the page."""
    chosen = {name: request.form.get(name, "") for name in ("kind", "country", "vat_number")}
    chosen.update(product=str(form.product.data or ""), cycle=str(form.cycle.data or ""),
                  profile=str(form.profile.data or ""))
    return chosen


@bp.route("/order/summary")
@public
def order_summary():
    """The order summary for htmx, as the plan, cycle or billing data change; a plain visit goes to the order page."""
    if not is_htmx():
        return redirect(url_for("client.order"), 303)
    profiles = _profiles() if current_user.is_authenticated else []
    return render_template("client/_order_summary.html",
                           **order_summary_context(_products(), profiles, request.args), cycle_labels=CYCLE_LABELS)


def visitor_order():
    """The order page for a visitor: plan, cycle, domain, billing data and the account in one form; the order waits
    in the sign-up link and is placed when the address is confirmed (docs/accounts.md, "Ordering as a visitor")."""
    products = _products()
    form = _order_form(products)
    form.profile.choices = []
    account = signup_form(prefix="account")
    billing = {name: request.form.get(name, "") for name in (*BUYER_FIELDS, "sector")} if form.is_submitted() else {
        "kind": "person", "country": "RO"}
    billing_errors: dict[str, str] = {}
    status, form_error = 200, None
    if form.is_submitted() and not request.form.get("preview"):
        typed = validate_buyer(request.form)
        billing_errors = dict(typed.errors)
        valid = form.validate_on_submit() & account.validate() & (not billing_errors)
        product = next((p for p in products if p.id == form.product.data), None)
        if valid and product is None:
            form.product.errors.append(_("Choose a plan."))
        elif valid:
            try:
                waiting = {"product_id": product.id, "cycle": form.cycle.data,
                           "domain": check_order(product, form.cycle.data, form.domain.data), "buyer": typed.data}
            except OrderRefused as exc:
                getattr(form, exc.field or "domain").errors.append(error_message(exc))
            else:
                if open_account(account, order=waiting):
                    return render_template("auth/signup_sent.html", address=account.email.data.strip(),
                                           with_order=True)
        status = 422
        form_error = _("Please correct the marked fields; nothing was ordered.")
    return render_template("client/order.html", form=form, products=products, cycle_labels=CYCLE_LABELS,
                           form_error=form_error, profiles=[], values=billing, errors=billing_errors,
                           prefix="order", countries=list(country_names().items()), account=account,
                           **order_summary_context(products, [], _chosen(form))), status


@bp.route("/order", methods=["GET", "POST"])
@public
def order():
    """Show the order form; a valid order creates the service and its proforma, then shows the proforma.

    The proforma needs the buyer's name and full address (docs/fiscal.md): the customer chooses one of their
    billing profiles or, when they have none, types the billing data here (saved as their profile).
    """
    if not current_user.is_authenticated:
        return visitor_order()
    products, profiles = _products(), _profiles()
    form = _order_form(products)
    form.profile.choices = [SelectChoice(p.id, f"{p.label}: {p.display_name}" if p.label else p.display_name)
                            for p in profiles]
    if form.profile.data is None and profiles:
        form.profile.data = profiles[0].id  # the default one first
    billing = {"kind": "person", "country": "RO", "name": current_user.name}
    billing_errors: dict[str, str] = {}
    status, form_error = 200, None
    if form.is_submitted() and not profiles:
        billing = {name: request.form.get(name, "") for name in (*BUYER_FIELDS, "sector")}
        typed = validate_buyer(request.form)
        billing_errors = dict(typed.errors)
    if form.is_submitted() and request.form.get("preview"):
        billing_errors = {}  # "Show the price" without JavaScript: the page again with its summary, nothing ordered
    elif form.validate_on_submit() and not billing_errors:
        product = next((p for p in products if p.id == form.product.data), None)
        profile = next((p for p in profiles if p.id == form.profile.data), None)
        if product is None:
            form.product.errors.append(_("Choose a plan."))
        elif profiles and profile is None:
            form.profile.errors.append(_("Choose one of your billing profiles."))
        else:
            settings = app_settings().billing
            try:
                if profile is None:
                    # Billing data typed here becomes the customer's default profile (their first complete
                    # data: no staff approval, there is nothing earlier to protect).
                    profile = create_profile(db.session, current_user.id, typed.data, settings, default="always",
                                             ip=request.remote_addr, via="order")
                _order, proforma = place_order(db.session, current_user, product, form.cycle.data, form.domain.data,
                                               settings, _business_today(), profile=profile)
            except OrderRefused as exc:
                db.session.rollback()
                getattr(form, exc.field or "domain").errors.append(error_message(exc))
            except NoExchangeRate:
                # An EUR price needs the BNR rate of the day; the worker keeps reading BNR's feed.
                db.session.rollback()
                form_error = _("We cannot price this plan in lei right now: BNR's exchange rate for today is not"
                               " available yet. Nothing was ordered; please try again in a few minutes.")
            except IncompleteBuyer as exc:
                db.session.rollback()
                form.profile.errors.append(error_message(exc))
            else:
                db.session.commit()
                forget_billing_data()
                flash(_("Thank you! Your order is placed: pay proforma %(code)s to activate your hosting.",
                        code=proforma.code), "success")
                return redirect(url_for("client.invoice", code=proforma.code), code=303)
        status = 422
    elif form.is_submitted():
        status = 422
        if billing_errors:
            form_error = _("Please correct the marked fields; nothing was ordered.")
    return render_template("client/order.html", form=form, products=products, cycle_labels=CYCLE_LABELS,
                           form_error=form_error, profiles=profiles, values=billing, errors=billing_errors,
                           prefix="order", countries=list(country_names().items()),
                           **order_summary_context(products, profiles, _chosen(form))), status
