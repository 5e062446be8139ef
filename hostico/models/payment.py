"""Payments received against proformas."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hostico.models.base import Base, Money, TimestampMixin

# "credit": the customer's credit balance applied by staff (docs/payments.md, "Customer credit balance").
PAYMENT_METHODS = ("card", "bank_transfer", "gateway", "credit")
# The largest payment accepted, the same in forms, the domain and the CHECK below (in bani).
MAX_PAYMENT = Decimal("99999999.99")


class Payment(TimestampMixin, Base):
    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount_positive"),
        CheckConstraint("amount <= 9999999999", name="amount_sane"),
        CheckConstraint("method IN ('card', 'bank_transfer', 'gateway', 'credit')", name="method"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True, nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True, nullable=False)
    method: Mapped[str] = mapped_column(String(16), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), default="RON", nullable=False)
    reference: Mapped[str | None] = mapped_column(String(120))
    # The gateway's event id (webhooks) or a client-generated key: a payment delivered twice is
    # recorded once because the database refuses the second row.
    idempotency_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    recorded_by_staff_id: Mapped[int | None] = mapped_column(Integer)
    tax_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    # The day the money arrived (a bank transfer's value date; a card payment's day).
    received_on: Mapped[dt.date] = mapped_column(Date, nullable=False)
    # The hosted checkout that paid it (card payments): what a refund goes back through.
    checkout_id: Mapped[int | None] = mapped_column(ForeignKey("checkouts.id"), index=True)

    invoice = relationship("Invoice", foreign_keys=[invoice_id], lazy="raise_on_sql")
