"""Paying a proforma by card through the sandbox gateway; the tax invoice is issued on success."""

from __future__ import annotations

import datetime as dt
import logging
import re
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import StringField
from wtforms.validators import DataRequired, Length, ValidationError

from hostico.billing import gateway
from hostico.billing.errors import PaymentRefused
from hostico.billing.payments import record_payment
from hostico.client import bp
from hostico.client.queries import own_invoice
from hostico.db import db
from hostico.extensions import limiter
from hostico.models import Invoice
from hostico.settings import settings as app_settings

log = logging.getLogger(__name__)
EXPIRY_RE = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})\s*$")


def _valid_card_number(form, field) -> None:
    if not gateway.luhn_valid(gateway.clean_number(field.data or "")):
        raise ValidationError(_("The card number is not valid."))


def _valid_expiry(form, field) -> None:
    match = EXPIRY_RE.match(field.data or "")
    if not match or not 1 <= int(match.group(1)) <= 12:
        raise ValidationError(_("Enter the expiry date as MM/YY."))
    month, year = int(match.group(1)), int(match.group(2))
    year = year + 2000 if year < 100 else year
    today = dt.date.today()
    if (year, month) < (today.year, today.month):
        raise ValidationError(_("The card has expired."))


def _valid_cvc(form, field) -> None:
    value = (field.data or "").strip()
    if not (value.isascii() and value.isdigit()) or len(value) not in (3, 4):
        raise ValidationError(_("The CVC is the 3 or 4 digits on the back of the card."))


class CardForm(FlaskForm):
    cardholder = StringField(_l("Name on card"), validators=[DataRequired(_l("Enter the name on the card.")),
                                                             Length(max=100)])
    card_number = StringField(_l("Card number"), validators=[DataRequired(_l("Enter the card number.")),
                                                             Length(max=30), _valid_card_number])
    expiry = StringField(_l("Expiry (MM/YY)"), validators=[DataRequired(_l("Enter the expiry date.")), _valid_expiry])
    cvc = StringField(_l("CVC"), validators=[DataRequired(_l("Enter the CVC.")), _valid_cvc])


def _payable(code: str, *, for_update: bool = False) -> Invoice:
    invoice = own_invoice(code, for_update=for_update)
    if invoice.kind != "proforma" or invoice.status != "unpaid":
        abort(404)
    return invoice


def _tax_invoice_of(proforma: Invoice) -> Invoice | None:
    return db.session.scalar(select(Invoice).where(Invoice.proforma_id == proforma.id, Invoice.kind == "tax"))


@bp.route("/invoices/<code>/pay", methods=["GET", "POST"])
@limiter.limit("10 per minute", methods=["POST"])  # slows down card testing through the pay form
def pay(code: str):
    """Show the card form for an unpaid proforma; charge the card and issue the tax invoice."""
    form = CardForm()
    if not form.is_submitted():
        return render_template("client/pay.html", invoice=_payable(code), form=form)
    # Lock the proforma before charging, so a double submit waits and then finds it paid.
    invoice = own_invoice(code, for_update=True)
    if invoice.kind == "proforma" and invoice.status == "paid":
        tax = _tax_invoice_of(invoice)
        if tax is not None:
            flash(_("This proforma is already paid."), "success")
            return redirect(url_for("client.invoice", code=tax.code), code=303)
    if invoice.kind != "proforma" or invoice.status != "unpaid":
        abort(404)
    if not form.validate_on_submit():
        return render_template("client/pay.html", invoice=invoice, form=form), 422
    result = gateway.charge(form.card_number.data, invoice.total, invoice.currency)
    if not result.approved:
        db.session.rollback()
        form.card_number.errors.append(_(result.message))
        return render_template("client/pay.html", invoice=invoice, form=form), 422
    settings = app_settings().billing
    today = dt.datetime.now(ZoneInfo(settings.timezone)).date()
    try:
        payment = record_payment(db.session, invoice.id, amount=invoice.total, method="card", settings=settings,
                                 today=today, reference=f"{result.transaction_id} card ****{result.last4}",
                                 idempotency_key=f"card:{result.transaction_id}", currency=invoice.currency)
    except PaymentRefused as exc:
        db.session.rollback()
        log.error("card charged (%s) but payment refused for %s: %s", result.transaction_id, invoice.code, exc)
        flash(_("Your card was charged but the payment could not be applied; our billing team will fix it."),
              "error")
        return redirect(url_for("client.invoice", code=code), code=303)
    tax = db.session.get(Invoice, payment.tax_invoice_id)
    db.session.commit()
    flash(_("Payment received, thank you! Tax invoice %(code)s is issued.", code=tax.code), "success")
    return redirect(url_for("client.invoice", code=tax.code), code=303)
