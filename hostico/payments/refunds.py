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
from hostico.billing.payments import lock_invoice
from hostico.billing.settings import BillingSettings
from hostico.models import Checkout, Invoice, Payment, Refund
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


def _crediting(session: Session, tax: Invoice, amount: Decimal, *, settings: BillingSettings, today: dt.date,
               staff_id: int, reason: str) -> Callable[[], Invoice]:
    """Return how the refund's credit note will be issued, refusing *before* the gateway is asked when it cannot."""
    try:
        from hostico.billing.corrections import credit_tax_invoice as credit_partially
    except ImportError:  # the billing core's partial credit notes are not available: whole refunds only
        credit_partially = None
    if credit_partially is not None:
        return lambda: credit_partially(session, tax, settings=settings, today=today, reason=reason,
                                        amount=None if amount == tax.total else amount, actor_kind="staff",
                                        actor_id=staff_id)
    if amount != tax.total or session.scalar(select(Invoice.id).where(Invoice.corrects_id == tax.id)):
        raise RefundRefused("partial_unavailable", "Only a whole refund of a not yet credited invoice is possible.")
    from hostico.billing.staff_ops import credit_tax_invoice

    return lambda: credit_tax_invoice(session, tax, settings=settings, today=today, staff_id=staff_id, reason=reason)


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
    reason = (reason or "").strip()[:300] or "refund"
    issue_credit_note = _crediting(session, tax, amount, settings=settings, today=today, staff_id=staff_id,
                                   reason=f"Refund: {reason}")
    try:
        result = gateway_for(checkout.gateway).refund(
            transaction_id=checkout.transaction_id, amount=amount, currency=payment.currency,
            idempotency_key=f"hostico-refund-{payment.id}-{len(existing) + 1}")
    except GatewayUnavailable as exc:
        raise RefundRefused(exc.code, str(exc)) from None
    note = issue_credit_note()
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
