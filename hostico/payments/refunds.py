"""Refunds of card payments through the gateway that took them; each refund is a credit note.

The gateway is asked first: when it refuses (or does not answer) nothing changes here. The refund's
idempotency key (payment, refund number) makes a retry after a lost answer safe at the gateway.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.corrections import credit_tax_invoice, remaining_to_credit
from hostico.billing.credit import CreditRefused, balance, entry_with_key, lock_balance
from hostico.billing.payments import lock_invoice
from hostico.billing.settings import BillingSettings
from hostico.errors import N_
from hostico.models import Checkout, CreditEntry, Payment, Refund
from hostico.models.credit import CreditReason
from hostico.models.invoice import InvoiceStatus
from hostico.payments.errors import GatewayUnavailable, PaymentsError, RefundRefused
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
    proforma = lock_invoice(session, payment.invoice_id)  # the proforma first, as a payment locks it
    tax = lock_invoice(session, payment.tax_invoice_id)  # one refund of this payment at a time
    existing = refunds_of(session, [payment.id])[payment.id]
    amount = _amount(amount)
    left = refundable_amount(payment, existing)
    if amount > left:
        raise RefundRefused("too_much", f"At most {left} {payment.currency} can still be refunded.",
                            left=left, currency=payment.currency)
    checkout = session.get_one(Checkout, payment.checkout_id)
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
    if proforma.status == InvoiceStatus.UNPAID:
        # A refunded advance is no longer paid (docs/payments.md, Refunds): the proforma shows less received, and
        # back to unpaid when nothing is left; the final invoice deducts the advance less its credit notes.
        proforma.amount_paid = proforma.amount_paid - amount
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


def card_credit_left(session: Session, source: CreditEntry) -> Decimal:
    """What is left to refund through the gateway of a card charge credited to the balance."""
    refunded = session.scalar(select(func.coalesce(func.sum(CreditEntry.amount), 0)).where(
        CreditEntry.source_entry_id == source.id, CreditEntry.reason == CreditReason.REFUND_CARD))
    return source.amount + Decimal(refunded or 0)


def refund_credit(session: Session, customer_id: int, *, currency: str, amount: object, reason: str, staff_id: int,
                  key: str, gateway_for: Callable[[str], Gateway], source_entry_id: int | None = None,
                  iban: str | None = None, bank_reference: str | None = None) -> CreditEntry:
    """Give back (part of) a customer's credit balance (docs/payments.md, "Customer credit balance").

    Card money (`source_entry_id`: a second card charge credited to the balance) goes back through the gateway
    of the checkout that took it; the gateway is asked first and, when it refuses or does not answer, nothing
    changes (CreditRefused `gateway`). Other money is a bank refund staff make from the bank: it is recorded
    with the IBAN it is sent to and the transfer's reference. Never more than the balance (read under the
    customer's row lock) nor, for a card, than is left of that charge. `key` (the form's) makes a retry
    answer with the refund already recorded.
    """
    entry_key = f"refund:{key}"[:120]
    existing = entry_with_key(session, entry_key)
    if existing is not None:
        return existing
    lock_balance(session, customer_id)
    existing = entry_with_key(session, entry_key)
    if existing is not None:
        return existing
    try:
        amount = _amount(amount)
    except RefundRefused:
        raise CreditRefused(N_("Enter an amount greater than zero, with at most two decimals."), code="bad_amount",
                            field="amount") from None
    reason = (reason or "").strip()[:300] or "refund"
    source = session.get(CreditEntry, source_entry_id) if source_entry_id is not None else None
    if source_entry_id is not None and (source is None or source.customer_id != customer_id
                                        or source.reason != CreditReason.SECOND_CHARGE or source.checkout_id is None):
        raise CreditRefused(N_("This credit did not come from a card charge of the customer."),
                            code="not_card_credit")
    currency = source.currency if source is not None else (currency or "").upper()[:3]
    available = balance(session, customer_id, currency)
    if amount > available:
        raise CreditRefused(N_("The amount %(amount)s is more than the customer's credit of %(balance)s "
                               "%(currency)s."), code="more_than_balance", field="amount", amount=str(amount),
                            balance=str(available), currency=currency)
    if source is None:
        iban = "".join((iban or "").split()).upper()[:40]
        if not iban:
            raise CreditRefused(N_("Enter the IBAN the money is sent to."), code="iban_required", field="iban")
        reference = (bank_reference or "").strip()
        note = f"IBAN {iban}" + (f"; {reference[:120]}" if reference else "")
        entry = CreditEntry(customer_id=customer_id, currency=currency, amount=-amount, reason=CreditReason.REFUND_BANK,
                            actor_kind="staff", actor_id=staff_id, note=f"{note}; {reason}"[:1000],
                            idempotency_key=entry_key)
    else:
        left = card_credit_left(session, source)
        if amount > left:
            raise CreditRefused(N_("At most %(left)s %(currency)s of this card charge can still be refunded."),
                                code="too_much", field="amount", left=str(left), currency=currency)
        checkout = session.get_one(Checkout, source.checkout_id)
        if not checkout.transaction_id:
            raise CreditRefused(N_("The gateway's transaction of this payment is not known."), code="no_transaction")
        done = session.scalar(select(func.count()).select_from(CreditEntry).where(
            CreditEntry.source_entry_id == source.id, CreditEntry.reason == CreditReason.REFUND_CARD)) or 0
        try:
            result = gateway_for(checkout.gateway).refund(
                transaction_id=checkout.transaction_id, amount=amount, currency=currency,
                idempotency_key=f"hostico-credit-refund-{source.id}-{done + 1}")
        except PaymentsError as exc:
            raise CreditRefused(N_("The gateway refused the refund (%(reason)s); nothing was changed."),
                                code="gateway",
                                reason=exc.code) from None
        entry = CreditEntry(customer_id=customer_id, currency=currency, amount=-amount, reason=CreditReason.REFUND_CARD,
                            checkout_id=checkout.id, source_entry_id=source.id, invoice_id=source.invoice_id,
                            provider_refund_id=result.refund_id, actor_kind="staff", actor_id=staff_id,
                            note=reason, idempotency_key=entry_key)
    session.add(entry)
    session.flush()
    record(session, "credit.refunded", actor_kind="staff", actor_id=staff_id, obj=entry, customer_id=customer_id,
           data={"how": entry.reason, "amount": str(amount), "currency": currency, "note": entry.note,
                 "gateway_refund": entry.provider_refund_id, "source": source_entry_id,
                 "balance": str(balance(session, customer_id, currency))})
    return entry


def record_refused_credit_refund(session: Session, customer_id: int, err: CreditRefused, *, amount: object,
                                 staff_id: int) -> None:
    """Keep in the audit log a credit refund the gateway or the rules refused (after the caller rolled back)."""
    record(session, "credit.refund_refused", actor_kind="staff", actor_id=staff_id, object_type="Customer",
           object_id=customer_id, customer_id=customer_id, data={"code": err.code, "amount": str(amount)})
    session.flush()
