"""Hosting services (accounts) and the orders that create them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hostico.models.base import Base, Money, TimestampMixin, UTCDateTime

SERVICE_STATUSES = ("pending", "active", "suspended", "terminated", "cancelled")
SUSPENSION_REASONS = ("nonpayment", "abuse", "other")
ORDER_STATUSES = ("pending", "paid", "cancelled")


class Order(TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (CheckConstraint("status IN ('pending', 'paid', 'cancelled')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True, nullable=False)
    status: Mapped[str] = mapped_column(String(10), default="pending", nullable=False)

    services = relationship("Service", back_populates="order", lazy="raise_on_sql")


class Service(TimestampMixin, Base):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'active', 'suspended', 'terminated', 'cancelled')", name="status"
        ),
        CheckConstraint(
            "suspension_reason IS NULL OR suspension_reason IN ('nonpayment', 'abuse', 'other')",
            name="suspension_reason",
        ),
        CheckConstraint("status <> 'suspended' OR suspension_reason IS NOT NULL", name="suspended_has_reason"),
        CheckConstraint("cycle IN ('monthly', 'quarterly', 'semiannual', 'annual')", name="cycle"),
        CheckConstraint("price >= 0", name="price_not_negative"),
        CheckConstraint("anchor_day IS NULL OR (anchor_day >= 1 AND anchor_day <= 31)", name="anchor_day"),
        Index("ix_services_status_next_due", "status", "next_due_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True, nullable=False)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"), nullable=False)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"))
    domain: Mapped[str] = mapped_column(String(253), nullable=False)
    cycle: Mapped[str] = mapped_column(String(12), nullable=False)
    price: Mapped[Decimal] = mapped_column(Money(), nullable=False)  # net, per cycle
    currency: Mapped[str] = mapped_column(String(3), default="RON", nullable=False)
    status: Mapped[str] = mapped_column(String(12), default="pending", nullable=False)
    next_due_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    # The day of the month renewals keep (31: the month's last day when shorter); the first due day's.
    anchor_day: Mapped[int | None] = mapped_column(Integer)
    suspension_reason: Mapped[str | None] = mapped_column(String(12))
    suspension_note: Mapped[str | None] = mapped_column(Text)
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    terminated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    customer = relationship("Customer", back_populates="services")
    product = relationship("Product", lazy="joined")
    order = relationship("Order", back_populates="services")


@event.listens_for(Service, "before_insert")
def _anchor_to_first_due_day(mapper, connection, target: Service) -> None:
    if target.anchor_day is None and target.next_due_date is not None:
        target.anchor_day = target.next_due_date.day
