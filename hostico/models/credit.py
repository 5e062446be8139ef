"""The customer credit balance (docs/payments.md, "Customer credit balance"): a ledger of signed entries per
customer and currency. Money received that pays no proforma (an overpayment's excess, a second card charge,
an unmatched bank credit staff assign) is credited; applying it to a proforma or refunding it debits it. The
balance is the sum of the entries; rows are only ever added."""

from __future__ import annotations

import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hostico.models.base import Base, Money, StateColumn, TimestampMixin, one_of


class CreditReason(enum.StrEnum):
    """Why the balance moved: the first three credit it (amount > 0), the others debit it (amount < 0)."""

    OVERPAYMENT = "overpayment"  # the excess of a payment larger than what was left to pay
    SECOND_CHARGE = "second_charge"  # a card checkout paid for a proforma already paid (or changed)
    BANK_CREDIT = "bank_credit"  # an unmatched statement line staff assigned to the customer
    APPLIED = "applied"  # paid a proforma (a payment of method "credit")
    REFUND_CARD = "refund_card"  # given back through the gateway of the charge it came from
    REFUND_BANK = "refund_bank"  # given back by a bank transfer staff made


CREDIT_REASONS = (CreditReason.OVERPAYMENT, CreditReason.SECOND_CHARGE, CreditReason.BANK_CREDIT)
DEBIT_REASONS = (CreditReason.APPLIED, CreditReason.REFUND_CARD, CreditReason.REFUND_BANK)


def _among(reasons: tuple[CreditReason, ...]) -> str:
    return f"reason IN ({', '.join(repr(str(r)) for r in reasons)})"


class CreditEntry(TimestampMixin, Base):
    """One movement of a customer's credit balance, with where the money came from or went."""

    __tablename__ = "credit_entries"
    __table_args__ = (
        CheckConstraint("amount <> 0", name="amount_not_zero"),
        CheckConstraint("amount BETWEEN -9999999999 AND 9999999999", name="amount_sane"),
        CheckConstraint(one_of("reason", CreditReason), name="reason"),
        CheckConstraint(f"({_among(CREDIT_REASONS)} AND amount > 0) OR ({_among(DEBIT_REASONS)} AND amount < 0)",
                        name="sign"),
        CheckConstraint("reason <> 'overpayment' OR payment_id IS NOT NULL", name="overpayment_has_payment"),
        CheckConstraint("reason <> 'second_charge' OR checkout_id IS NOT NULL", name="second_charge_has_checkout"),
        CheckConstraint("reason <> 'bank_credit' OR bank_line_id IS NOT NULL", name="bank_credit_has_line"),
        CheckConstraint("reason <> 'applied' OR payment_id IS NOT NULL", name="applied_has_payment"),
        CheckConstraint("reason <> 'refund_card' OR (source_entry_id IS NOT NULL AND checkout_id IS NOT NULL)",
                        name="card_refund_has_source"),
        CheckConstraint("actor_kind IN ('staff', 'system')", name="actor_kind"),
        Index("ix_credit_entries_customer_currency", "customer_id", "currency"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    # Signed: > 0 credits the balance, < 0 debits it.
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    reason: Mapped[CreditReason] = mapped_column(StateColumn(CreditReason, 16), nullable=False)
    # The payment whose excess was credited (overpayment), or the payment of method "credit" (applied).
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    # The proforma the credit came from (overpayment, second charge) or was applied to.
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    bank_line_id: Mapped[int | None] = mapped_column(ForeignKey("bank_statement_lines.id"), index=True)
    checkout_id: Mapped[int | None] = mapped_column(ForeignKey("checkouts.id"), index=True)
    # A refund of card money names the credit it gives back (its checkout's charge).
    source_entry_id: Mapped[int | None] = mapped_column(ForeignKey("credit_entries.id"), index=True)
    provider_refund_id: Mapped[str | None] = mapped_column(String(255))
    actor_kind: Mapped[str] = mapped_column(String(10), nullable=False)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    note: Mapped[str | None] = mapped_column(Text)
    # The same credit or debit recorded twice is refused by the database (a notification delivered again,
    # a form sent twice).
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
