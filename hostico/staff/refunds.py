"""Refunding a card payment from the staff invoice page: through the gateway, then a credit note."""

from __future__ import annotations

import logging
from decimal import Decimal

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DecimalField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from hostico.models import Invoice, Payment
from hostico.payments.errors import RefundRefused
from hostico.payments.gateways import get_gateway
from hostico.payments.refunds import record_refused_refund, refund_card_payment
from hostico.staff.blueprint import bp
from hostico.staff.lookups import billing_settings, business_today
from hostico.staff.permissions import requires
from hostico.web.app_settings import settings as app_settings
from hostico.web.confirm import confirmation, confirmed
from hostico.web.database import db
from hostico.web.forms import Form
from hostico.web.i18n import money

log = logging.getLogger(__name__)


class RefundForm(Form):
    """Refund all or part of a card payment."""

    amount = DecimalField(_l("Amount to refund"), places=2,
                          validators=[InputRequired(_l("Enter the amount to refund.")),
                                      NumberRange(min=Decimal("0.01"), message=_l("The amount must be positive."))])
    reason = StringField(_l("Reason (staff only)"), validators=[DataRequired(_l("Give a reason for the refund.")),
                                                   Length(max=300)])


def _refusal(err: RefundRefused) -> str:
    if err.code == "too_much":
        return _("At most %(amount)s %(currency)s can still be refunded.", amount=err.params.get("left"),
                 currency=err.params.get("currency"))
    messages = {
        "not_card": _("Only card payments made through a gateway can be refunded here."),
        "bad_amount": _("The amount must be positive, with at most two decimals."),
        "no_transaction": _("The gateway's transaction of this payment is not known."),
    }
    return messages.get(err.code, _("The gateway refused the refund (%(code)s); nothing was changed.",
                                    code=err.code))


@bp.route("/payments/<int:payment_id>/refund", methods=["POST"])
@requires("payments.refund")
def refund(payment_id: int):
    """Refund a card payment through its gateway; the tax invoice gets a credit note."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.tax_invoice_id is None:
        abort(404)
    tax = db.session.get(Invoice, payment.tax_invoice_id)
    back = redirect(url_for("staff.invoice", code=tax.code, _anchor="payments"), 303)
    form = RefundForm(prefix=f"refund-{payment.id}")
    if not form.validate_on_submit():
        for field, errors in form.errors.items():
            for error in errors:
                flash(f"{getattr(form, field).label.text}: {error}", "error")
        return back
    if not confirmed():
        amount = money(form.amount.data, payment.currency)
        return confirmation(
            title=_("Refund %(amount)s?", amount=amount),
            question=_("%(amount)s goes back to the card of payment %(reference)s through the gateway, and a credit "
                       "note for %(amount)s is issued on %(code)s. Neither can be undone.", amount=amount,
                       reference=payment.reference or payment.id, code=tax.code),
            details=[_("Reason: %(reason)s", reason=form.reason.data)],
            button=_("Yes, refund %(amount)s", amount=amount),
            back_url=url_for("staff.invoice", code=tax.code, _anchor="payments"), base="staff/base.html")
    try:
        done = refund_card_payment(
            db.session, payment.id, amount=form.amount.data, reason=form.reason.data, staff_id=current_user.id,
            gateway_for=lambda name: get_gateway(app_settings().payments, name), settings=billing_settings(),
            today=business_today())
        db.session.commit()
    except RefundRefused as err:
        db.session.rollback()
        log.warning("refund of payment %s refused: %s", payment_id, err)
        record_refused_refund(db.session, payment, err, amount=form.amount.data, staff_id=current_user.id)
        db.session.commit()
        flash(_refusal(err), "error")
        return back
    note = db.session.get(Invoice, done.credit_note_id)
    flash(_("Refunded %(amount)s through the gateway; credit note %(code)s issued.",
            amount=money(done.amount, done.currency), code=note.code), "success")
    return back


@bp.app_template_global()
def card_refunds(payments: list[Payment]) -> dict[int, dict]:
    """For the invoice page: each card payment's refunds, what is left, and its refund form (one query)."""
    from hostico.payments.refunds import refundable_amount, refunds_of

    card = [p for p in payments if p.method == "card" and p.checkout_id and p.tax_invoice_id]
    if not card:
        return {}
    done = refunds_of(db.session, [p.id for p in card])
    out = {}
    for p in card:
        left = refundable_amount(p, done[p.id])
        form = RefundForm(prefix=f"refund-{p.id}", formdata=None)
        form.amount.data = left
        out[p.id] = {"refunds": done[p.id], "left": left, "form": form}
    return out
