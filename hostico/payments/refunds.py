"""Refunds of card payments through the gateway that took them; each refund is a credit note.

The gateway is asked first: when it refuses (or does not answer) nothing changes here. The refund's
idempotency key (payment, refund number) makes a retry after a lost answer safe at the gateway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.corrections import credit_tax_invoice, remaining_to_credit
from hostico.billing.payments import lock_invoice
from hostico.billing.settings import BillingSettings
from hostico.models import Checkout, Payment, Refund
from hostico.payments.errors import GatewayUnavailable, RefundRefused
from hostico.payments.gateways.base import Gateway


def refunds_of(session: Session, payment_ids: list[int]) -> dict[int, list[Refund]]:
    """Return the refunds of each payment (one query)."""
    out: dict[int, list[Refund]] = {pid: [] for pid in payment_ids}
    for refund in session.scalars(select(Refund).where(Refund.payment_id.in_(payment_ids)).order_by(Refund.id)):
        out[refund.payment_id].append(refund)
    return out


def refundable_amount(payment: Payment, refunds: list[Refund]) -> Decimal:
    """What is left to refund of a card payment."""
    return payment.amount - sum((r.amount for r in refunds), Decimal("0"))


def _amount(value: object) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise RefundRefused("bad_amount", "The amount is not a number.") from None
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise RefundRefused("bad_amount", "The amount must be positive, with at most two decimals.")
    return amount


def refund_card_payment(session: Session, payment_id: int, *, amount: object, reason: str, staff_id: int,
                        gateway_for: Callable[[str], Gateway], settings: BillingSettings, today: dt.date) -> Refund:
    """Refund all or part of a card payment at its gateway, then credit its tax invoice (the caller commits)."""
    payment = session.get(Payment, payment_id)
    if payment is None or payment.method != "card" or payment.checkout_id is None or payment.tax_invoice_id is None:
        raise RefundRefused("not_card", "Only card payments made through a gateway can be refunded here.")
    tax = lock_invoice(session, payment.tax_invoice_id)  # one refund of this payment at a time
    existing = refunds_of(session, [payment.id])[payment.id]
    amount = _amount(amount)
    left = refundable_amount(payment, existing)
    if amount > left:
        raise RefundRefused("too_much", f"At most {left} {payment.currency} can still be refunded.",
                            left=left, currency=payment.currency)
    checkout = session.get(Checkout, payment.checkout_id)
    if not checkout.transaction_id:
        raise RefundRefused("no_transaction", "The gateway's transaction of this payment is not known.")
    still_creditable = remaining_to_credit(session, tax)
    if amount > still_creditable:  # e.g. staff credited part of the invoice by hand: refuse before the gateway
        raise RefundRefused("too_much", f"At most {still_creditable} {payment.currency} can still be refunded.",
                            left=still_creditable, currency=payment.currency)
    reason = (reason or "").strip()[:300] or "refund"
    try:
        result = gateway_for(checkout.gateway).refund(
            transaction_id=checkout.transaction_id, amount=amount, currency=payment.currency,
            idempotency_key=f"hostico-refund-{payment.id}-{len(existing) + 1}")
    except GatewayUnavailable as exc:
        raise RefundRefused(exc.code, str(exc)) from None
    note = credit_tax_invoice(session, tax, settings=settings, today=today, reason=reason,
                              amount=amount, actor_kind="staff", actor_id=staff_id, refund=True)
    refund = Refund(payment_id=payment.id, checkout_id=checkout.id, amount=amount, currency=payment.currency,
                    provider_refund_id=result.refund_id, credit_note_id=note.id, staff_id=staff_id, reason=reason)
    session.add(refund)
    session.flush()
    record(session, "payment.refunded", actor_kind="staff", actor_id=staff_id, obj=refund,
           customer_id=payment.customer_id, data={
               "payment": payment.id, "amount": str(amount), "currency": payment.currency,
               "gateway": checkout.gateway, "gateway_refund": result.refund_id, "credit_note": note.code,
               "tax_invoice": tax.code, "reason": reason})
    return refund


def record_refused_refund(session: Session, payment: Payment, err: RefundRefused, *, amount: object,
                          staff_id: int) -> None:
    """Keep in the audit log a refund the gateway or the rules refused (after the caller rolled it back)."""
    record(session, "payment.refund_refused", actor_kind="staff", actor_id=staff_id, object_type="Payment",
           object_id=payment.id, customer_id=payment.customer_id, data={"code": err.code, "amount": str(amount)})
    session.flush()
