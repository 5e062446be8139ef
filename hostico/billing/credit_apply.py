"""Apply a customer's credit balance to an unpaid proforma (docs/payments.md, "Customer credit balance").

A staff action: it records a payment of method "credit", which issues its tax invoice like any payment (the
proforma's, or an advance's when the credit is smaller than what is left to pay), and debits the balance by
the same amount in one transaction. The customer's row lock (`credit.lock_balance`) makes two applies at
once run one after the other, so the second reads the balance the first left; the form's key makes a retry
(a double click, a resent form) answer with the payment already recorded.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.credit import CreditRefused, balance, lock_balance
from hostico.billing.payments import payment_with_key, record_payment
from hostico.billing.settings import BillingSettings
from hostico.errors import N_, state_param
from hostico.models import CreditEntry, Invoice, Payment
from hostico.models.credit import CreditReason
from hostico.models.invoice import InvoiceKind, InvoiceStatus


def apply_credit(session: Session, customer_id: int, proforma_id: int, *, amount: Decimal | None,
                 settings: BillingSettings, today: dt.date, staff_id: int, key: str) -> Payment:
    """Pay (all or part of) one of the customer's unpaid proformas from their credit in its currency.

    `amount` None applies as much as the balance and what is left to pay allow. Refused (CreditRefused, nothing
    changed): another customer's proforma (`not_customers_proforma`), a proforma not unpaid, no credit in its
    currency, more than the balance. More than is left to pay is refused by `record_payment`.
    """
    payment_key = f"credit:{key}"[:120]
    existing = payment_with_key(session, payment_key)
    if existing is not None:
        return existing
    lock_balance(session, customer_id)
    existing = payment_with_key(session, payment_key)  # the same form, sent twice at once: the first one won
    if existing is not None:
        return existing
    proforma = session.get(Invoice, proforma_id, populate_existing=True)
    if proforma is None or proforma.customer_id != customer_id or proforma.kind != InvoiceKind.PROFORMA:
        raise CreditRefused(N_("This proforma is not one of the customer's."), code="not_customers_proforma")
    if proforma.status != InvoiceStatus.UNPAID:
        raise CreditRefused(N_("Proforma %(number)s is %(status)s; it cannot be paid."), code="not_payable",
                            number=proforma.code, status=state_param(proforma.status))
    available = balance(session, customer_id, proforma.currency)
    if available <= 0:
        raise CreditRefused(N_("The customer has no credit in %(currency)s."), code="no_credit",
                            currency=proforma.currency)
    if amount is None:
        amount = min(available, proforma.amount_due)
    amount = Decimal(amount)
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise CreditRefused(N_("Enter an amount greater than zero, with at most two decimals."),
                            code="bad_amount", field="amount")
    if amount > available:
        raise CreditRefused(N_("The amount %(amount)s is more than the customer's credit of %(balance)s "
                               "%(currency)s."), code="more_than_balance", field="amount", amount=str(amount),
                            balance=str(available), currency=proforma.currency)
    payment = record_payment(session, proforma.id, amount=amount, method="credit", settings=settings, today=today,
                             received_on=today, reference="credit balance", idempotency_key=payment_key,
                             staff_id=staff_id, currency=proforma.currency)
    entry = CreditEntry(customer_id=customer_id, currency=proforma.currency, amount=-amount,
                        reason=CreditReason.APPLIED, payment_id=payment.id, invoice_id=proforma.id,
                        actor_kind="staff", actor_id=staff_id, idempotency_key=f"applied:{key}"[:120])
    session.add(entry)
    session.flush()
    tax = session.get(Invoice, payment.tax_invoice_id)
    record(session, "credit.applied", actor_kind="staff", actor_id=staff_id, obj=entry, customer_id=customer_id,
           data={"proforma": proforma.code, "tax_invoice": tax.code if tax else None, "amount": str(amount),
                 "currency": proforma.currency, "balance": str(balance(session, customer_id, proforma.currency))})
    return payment
