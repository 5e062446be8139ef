"""Hosted card checkouts (docs/payments.md): one checkout pays one or more proformas; refunds of card payments."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hostico.models.base import Base, Money, StateColumn, TimestampMixin, UTCDateTime, one_of, utcnow


class CheckoutStatus(enum.StrEnum):
    """Pending until the gateway says paid or failed, or its session ends unpaid: expired (docs/payments.md)."""

    PENDING = "pending"
    PAID = "paid"
    FAILED = "failed"
    EXPIRED = "expired"


CHECKOUT_STATUSES = tuple(state.value for state in CheckoutStatus)
GATEWAYS = ("sandbox", "netopia", "stripe")
# The longest any gateway keeps a checkout open (Stripe's maximum): the lifetime of a checkout made without one.
LONGEST_LIFETIME = dt.timedelta(hours=24)


def _default_expiry() -> dt.datetime:
    return utcnow() + LONGEST_LIFETIME
# How documents name each gateway ("Plătită cu cardul (NETOPIA) la …"): proper names, not translated.
GATEWAY_NAMES = {"sandbox": "Sandbox", "netopia": "NETOPIA", "stripe": "Stripe"}


class Checkout(TimestampMixin, Base):
    """A payment started at a gateway's hosted page; only the gateway's signed notification settles it."""

    __tablename__ = "checkouts"
    __table_args__ = (
        CheckConstraint(one_of("status", CheckoutStatus), name="status"),
        CheckConstraint("gateway IN ('sandbox', 'netopia', 'stripe')", name="gateway"),
        CheckConstraint("amount > 0", name="amount_positive"),
        UniqueConstraint("gateway", "provider_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Our public id: the gateway's order id, and the waiting page's URL ("chk_…", unguessable).
    reference: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True, nullable=False)
    gateway: Mapped[str] = mapped_column(String(16), nullable=False)
    # The gateway's id of the checkout (NETOPIA ntpID, Stripe session id, sandbox session).
    provider_id: Mapped[str | None] = mapped_column(String(255))
    # The gateway's id of the money movement (what a refund refers to: Stripe payment intent, ...).
    transaction_id: Mapped[str | None] = mapped_column(String(255))
    # The gateway's hosted page for this checkout: a second submit within minutes is sent there again.
    payment_url: Mapped[str | None] = mapped_column(Text)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    status: Mapped[CheckoutStatus] = mapped_column(StateColumn(CheckoutStatus, 10), default=CheckoutStatus.PENDING,
                                                   nullable=False)
    failure_code: Mapped[str | None] = mapped_column(String(40))
    paid_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # When the gateway's session ends (Stripe's `expires_at`; sandbox and NETOPIA: HOSTICO_CHECKOUT_MINUTES after
    # it started): past it a pending checkout is asked about, then expired, and no longer holds its order back.
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=_default_expiry, nullable=False,
                                                    index=True)

    items = relationship("CheckoutItem", back_populates="checkout", order_by="CheckoutItem.id", lazy="selectin",
                         cascade="all, delete-orphan")


class CheckoutItem(Base):
    """One proforma paid by a checkout, with the amount it was started for."""

    __tablename__ = "checkout_items"
    __table_args__ = (UniqueConstraint("checkout_id", "invoice_id"),
                      CheckConstraint("amount > 0", name="amount_positive"))

    id: Mapped[int] = mapped_column(primary_key=True)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id", ondelete="CASCADE"), index=True,
                                             nullable=False)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)

    checkout = relationship("Checkout", back_populates="items")


class Refund(TimestampMixin, Base):
    """Money given back through the gateway for a card payment; each refund is a credit note."""

    __tablename__ = "refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), index=True, nullable=False)
    checkout_id: Mapped[int] = mapped_column(ForeignKey("checkouts.id"), index=True, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    provider_refund_id: Mapped[str | None] = mapped_column(String(255))
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    staff_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str | None] = mapped_column(Text)
