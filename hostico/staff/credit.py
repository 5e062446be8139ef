"""Customer credit balances (docs/payments.md, "Customer credit balance"): the list of customers holding credit,
and, on the customer page, applying credit to an unpaid proforma or refunding it (POST, confirmed, audited)."""

from __future__ import annotations

import logging
import secrets
from decimal import Decimal

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from wtforms import DecimalField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from hostico.billing.credit import CreditRefused, balances, customers_with_credit, entries
from hostico.billing.credit_apply import apply_credit
from hostico.billing.errors import BillingError
from hostico.models import Checkout, CreditEntry, Customer, Invoice
from hostico.models.credit import CreditReason
from hostico.models.invoice import InvoiceKind, InvoiceStatus
from hostico.models.payment import MAX_PAYMENT
from hostico.payments.gateways import get_gateway
from hostico.payments.refunds import card_credit_left, record_refused_credit_refund, refund_credit
from hostico.staff.blueprint import bp
from hostico.staff.forms import money
from hostico.staff.lookups import billing_settings, business_today, customer_or_404
from hostico.staff.permissions import requires
from hostico.staff.refusals import show
from hostico.web.app_settings import settings as app_settings
from hostico.web.confirm import confirmation, confirmed
from hostico.web.database import db
from hostico.web.forms import Form
from hostico.web.i18n import money as format_money

log = logging.getLogger(__name__)
PROFORMA_CHOICES = 50


def _nonce() -> str:
    return secrets.token_urlsafe(16)


class ApplyCreditForm(Form):
    """Pay one of the customer's unpaid proformas from their credit."""

    nonce = HiddenField(default=_nonce, validators=[DataRequired(), Length(max=60)])
    proforma = SelectField(_l("Proforma"), coerce=int, validate_choice=False,
                           validators=[DataRequired(_l("Choose a proforma."))])
    amount = DecimalField(_l("Amount (empty: as much as the credit and the proforma allow)"), places=2,
                          validators=[Optional(), money, NumberRange(min=Decimal("0.01"), max=MAX_PAYMENT)])


class RefundCreditForm(Form):
    """Give credit back: to the card it came from, or by a bank transfer staff make."""

    nonce = HiddenField(default=_nonce, validators=[DataRequired(), Length(max=60)])
    source = SelectField(_l("Refund"), validate_choice=False, validators=[DataRequired(_l("Choose what to refund."))])
    amount = DecimalField(_l("Amount to refund"), places=2,
                          validators=[DataRequired(_l("Enter the amount to refund.")), money,
                                      NumberRange(min=Decimal("0.01"), max=MAX_PAYMENT)])
    iban = StringField(_l("IBAN the money is sent to (bank refunds)"), validators=[Optional(), Length(max=40)])
    bank_reference = StringField(_l("Bank transfer reference (bank refunds)"),
                                 validators=[Optional(), Length(max=120)])
    reason = StringField(_l("Reason"), validators=[DataRequired(_l("Give a reason for the refund.")),
                                                   Length(max=300)])


def _unpaid_proformas(customer_id: int, currencies: set[str]) -> list[Invoice]:
    if not currencies:
        return []
    return list(db.session.scalars(
        select(Invoice).where(Invoice.customer_id == customer_id, Invoice.kind == InvoiceKind.PROFORMA,
                              Invoice.status == InvoiceStatus.UNPAID, Invoice.currency.in_(currencies))
        .order_by(Invoice.due_date, Invoice.id).limit(PROFORMA_CHOICES)))


def _card_sources(customer_id: int) -> list[tuple[CreditEntry, Checkout, Decimal]]:
    """The card charges credited to the balance with money left to give back through their gateway."""
    out = []
    sources = db.session.scalars(select(CreditEntry).where(
        CreditEntry.customer_id == customer_id, CreditEntry.reason == CreditReason.SECOND_CHARGE)
        .order_by(CreditEntry.id))
    for source in sources:
        left = card_credit_left(db.session, source)
        if left > 0:
            out.append((source, db.session.get(Checkout, source.checkout_id), left))
    return out


def _apply_form(customer_id: int, currencies: set[str], formdata: bool = True) -> ApplyCreditForm:
    form = ApplyCreditForm() if formdata else ApplyCreditForm(formdata=None)
    form.proforma.choices = [(p.id, f"{p.code} — {format_money(p.amount_due, p.currency)}")
                             for p in _unpaid_proformas(customer_id, currencies)]
    return form


def _refund_form(customer_id: int, currencies: list[str], formdata: bool = True) -> RefundCreditForm:
    form = RefundCreditForm() if formdata else RefundCreditForm(formdata=None)
    form.source.choices = [
        *[(f"card:{source.id}", _("To the card of checkout %(reference)s (%(left)s left)",
                                  reference=checkout.reference, left=format_money(left, source.currency)))
          for source, checkout, left in _card_sources(customer_id)],
        *[(f"bank:{currency}", _("By bank transfer (%(currency)s)", currency=currency)) for currency in currencies]]
    return form


@bp.app_template_global()
def credit_panel(customer: Customer) -> dict:
    """For the customer page: the credit per currency, its movements and the staff forms (a few queries)."""
    held = balances(db.session, customer.id)
    currencies = [b.currency for b in held if b.amount > 0]
    return {"balances": held, "entries": entries(db.session, customer.id, limit=50),
            "apply_form": _apply_form(customer.id, set(currencies), formdata=False),
            "refund_form": _refund_form(customer.id, currencies, formdata=False)}


@bp.route("/credit")
@requires("view")
def credit_balances():
    """List the customers holding credit, largest first."""
    return render_template("staff/credit.html", rows=customers_with_credit(db.session))


def _back(customer: Customer):
    return redirect(url_for("staff.customer", customer_id=customer.id, _anchor="credit"), 303)


def _flash_form_errors(form: Form) -> None:
    for name, errors in form.errors.items():
        for error in errors:
            flash(f"{getattr(form, name).label.text}: {error}", "error")


@bp.route("/customers/<int:customer_id>/credit/apply", methods=["POST"])
@requires("payments.record")
def credit_apply(customer_id: int):
    """Pay an unpaid proforma of the customer from their credit balance; its tax invoice is issued."""
    customer = customer_or_404(customer_id)
    form = _apply_form(customer.id, {b.currency for b in balances(db.session, customer.id)})
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(customer)
    proforma = db.session.get(Invoice, form.proforma.data)
    if proforma is None or proforma.customer_id != customer.id:
        abort(404)
    if not confirmed():
        amount = (format_money(form.amount.data, proforma.currency) if form.amount.data is not None
                  else _("as much as the credit and %(due)s left to pay allow",
                         due=format_money(proforma.amount_due, proforma.currency)))
        return confirmation(
            title=_("Apply credit to %(code)s?", code=proforma.code),
            question=_("%(amount)s of %(customer)s's credit pays proforma %(code)s, and a tax invoice is issued for "
                       "it. This cannot be undone.", amount=amount, customer=customer.name, code=proforma.code),
            button=_("Yes, apply the credit"), back_url=url_for("staff.customer", customer_id=customer.id,
                                                                _anchor="credit"), base="staff/base.html")
    try:
        payment = apply_credit(db.session, customer.id, form.proforma.data, amount=form.amount.data,
                               settings=billing_settings(), today=business_today(), staff_id=current_user.id,
                               key=form.nonce.data)
        db.session.commit()
    except BillingError as err:
        db.session.rollback()
        if isinstance(err, CreditRefused) and err.code == "not_customers_proforma":
            abort(404)
        show(err)
        return _back(customer)
    tax = db.session.get(Invoice, payment.tax_invoice_id)
    flash(_("%(amount)s of credit applied; tax invoice %(code)s issued.",
            amount=format_money(payment.amount, payment.currency), code=tax.code), "success")
    return _back(customer)


@bp.route("/customers/<int:customer_id>/credit/refund", methods=["POST"])
@requires("payments.refund")
def credit_refund(customer_id: int):
    """Give credit back: through the gateway of the card charge it came from, or as a recorded bank refund."""
    customer = customer_or_404(customer_id)
    form = RefundCreditForm()
    if not form.validate_on_submit():
        _flash_form_errors(form)
        return _back(customer)
    kind, _sep, value = (form.source.data or "").partition(":")
    source_id = int(value) if kind == "card" and value.isascii() and value.isdigit() and len(value) < 12 else None
    if kind not in ("card", "bank") or (kind == "card" and source_id is None):
        abort(404)
    source = db.session.get(CreditEntry, source_id) if source_id is not None else None
    if kind == "card" and (source is None or source.customer_id != customer.id):
        abort(404)
    if not confirmed():
        amount = format_money(form.amount.data, source.currency if source is not None else value[:3])
        question = (
            _("%(amount)s of %(customer)s's credit goes back to the card it was charged to, through the gateway. "
              "This cannot be undone.", amount=amount, customer=customer.name) if kind == "card" else
            _("%(amount)s of %(customer)s's credit is recorded as a bank refund to %(iban)s; make the transfer from "
              "the bank. This cannot be undone.", amount=amount, customer=customer.name, iban=form.iban.data or "—"))
        return confirmation(
            title=_("Refund %(amount)s of credit?", amount=amount), question=question,
            details=[_("Reason: %(reason)s", reason=form.reason.data)],
            button=_("Yes, refund %(amount)s", amount=amount),
            back_url=url_for("staff.customer", customer_id=customer.id, _anchor="credit"), base="staff/base.html")
    try:
        entry = refund_credit(
            db.session, customer.id, currency=value if kind == "bank" else "", amount=form.amount.data,
            reason=form.reason.data, staff_id=current_user.id, key=form.nonce.data, source_entry_id=source_id,
            iban=form.iban.data, bank_reference=form.bank_reference.data,
            gateway_for=lambda name: get_gateway(app_settings().payments, name))
        db.session.commit()
    except CreditRefused as err:
        db.session.rollback()
        if err.code == "not_card_credit":
            abort(404)
        log.warning("credit refund for customer %s refused: %s", customer.id, err.code)
        record_refused_credit_refund(db.session, customer.id, err, amount=form.amount.data,
                                     staff_id=current_user.id)
        db.session.commit()
        show(err)
        return _back(customer)
    if entry.reason == CreditReason.REFUND_CARD:
        flash(_("Refunded %(amount)s to the card through the gateway.",
                amount=format_money(-entry.amount, entry.currency)), "success")
    else:
        flash(_("Bank refund of %(amount)s recorded; make the transfer from the bank.",
                amount=format_money(-entry.amount, entry.currency)), "success")
    return _back(customer)
