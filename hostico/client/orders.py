"""Ordering hosting: choose a plan, a billing cycle and a domain; land on the order's proforma."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from hostico.billing.errors import NoExchangeRate
from hostico.billing.orders import OrderRefused, place_order
from hostico.client.blueprint import bp
from hostico.db import db
from hostico.i18n import error_message
from hostico.models import CYCLES, BillingProfile, Product
from hostico.settings import settings as app_settings

CYCLE_LABELS = {"monthly": _l("Monthly"), "quarterly": _l("Quarterly"), "semiannual": _l("Every 6 months"),
                "annual": _l("Yearly")}


class OrderForm(FlaskForm):
    product = RadioField(_l("Plan"), coerce=int, validators=[DataRequired(_l("Choose a plan."))],
                         validate_choice=False)
    cycle = SelectField(_l("Billing cycle"), choices=[SelectChoice(c, CYCLE_LABELS[c]) for c in CYCLES])
    domain = StringField(_l("Domain"), validators=[DataRequired(_l("Enter the domain to host.")), Length(max=253)])
    profile = SelectField(_l("Bill to"), coerce=int, validate_choice=False)


def _business_today() -> dt.date:
    return dt.datetime.now(ZoneInfo(app_settings().timezone)).date()


def _products() -> list[Product]:
    return list(db.session.scalars(select(Product).where(Product.active.is_(True)).order_by(Product.id)))


def _profiles() -> list[BillingProfile]:
    return list(db.session.scalars(select(BillingProfile).where(
        BillingProfile.customer_id == current_user.id, BillingProfile.deleted_at.is_(None),
        BillingProfile.approval == "approved").order_by(BillingProfile.id)))


@bp.route("/order", methods=["GET", "POST"])
def order():
    """Show the order form; a valid order creates the service and its proforma, then shows the proforma."""
    products, profiles = _products(), _profiles()
    form = OrderForm()
    form.product.choices = [SelectChoice(p.id, p.name) for p in products]
    form.profile.choices = [SelectChoice(0, current_user.name)] + [SelectChoice(p.id, p.display_name)
                                                                   for p in profiles]
    if form.profile.data is None:
        default = next((p.id for p in profiles if p.is_default), 0)
        form.profile.data = default
    status, form_error = 200, None
    if form.validate_on_submit():
        product = next((p for p in products if p.id == form.product.data), None)
        profile = next((p for p in profiles if p.id == form.profile.data), None)
        if product is None:
            form.product.errors.append(_("Choose a plan."))
        elif form.profile.data and profile is None:
            form.profile.errors.append(_("Choose one of your billing profiles."))
        else:
            settings = app_settings().billing
            try:
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
            else:
                db.session.commit()
                flash(_("Thank you! Your order is placed: pay proforma %(code)s to activate your hosting.",
                        code=proforma.code), "success")
                return redirect(url_for("client.invoice", code=proforma.code), code=303)
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template("client/order.html", form=form, products=products, cycle_labels=CYCLE_LABELS,
                           form_error=form_error), status
