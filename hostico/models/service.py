"""Hosting services (accounts) and the orders that create them."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column, relationship

from hostico.models.base import Base, Money, StateColumn, TimestampMixin, UTCDateTime, one_of


class ServiceStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"
    TERMINATED = "terminated"
    CANCELLED = "cancelled"


class SuspensionReason(enum.StrEnum):
    NONPAYMENT = "nonpayment"
    ABUSE = "abuse"
    OTHER = "other"


class OrderStatus(enum.StrEnum):
    PENDING = "pending"
    PAID = "paid"
    CANCELLED = "cancelled"


SERVICE_STATUSES = tuple(state.value for state in ServiceStatus)
SUSPENSION_REASONS = tuple(state.value for state in SuspensionReason)
ORDER_STATUSES = tuple(state.value for state in OrderStatus)


class Order(TimestampMixin, Base):
    __tablename__ = "orders"
    __table_args__ = (CheckConstraint(one_of("status", OrderStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True, nullable=False)
    status: Mapped[OrderStatus] = mapped_column(StateColumn(OrderStatus, 10), default=OrderStatus.PENDING,
                                                nullable=False)

    services = relationship("Service", back_populates="order", lazy="raise_on_sql")


class Service(TimestampMixin, Base):
    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint(one_of("status", ServiceStatus), name="status"),
        CheckConstraint(one_of("suspension_reason", SuspensionReason, nullable=True), name="suspension_reason"),
        CheckConstraint(f"status <> '{ServiceStatus.SUSPENDED}' OR suspension_reason IS NOT NULL",
                        name="suspended_has_reason"),
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
    status: Mapped[ServiceStatus] = mapped_column(StateColumn(ServiceStatus, 12), default=ServiceStatus.PENDING,
                                                  nullable=False)
    next_due_date: Mapped[dt.date] = mapped_column(Date, nullable=False)
    # The day of the month renewals keep (31: the month's last day when shorter); the first due day's.
    anchor_day: Mapped[int | None] = mapped_column(Integer)
    suspension_reason: Mapped[SuspensionReason | None] = mapped_column(StateColumn(SuspensionReason, 12))
    suspension_note: Mapped[str | None] = mapped_column(Text)
    suspended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    terminated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    customer = relationship("Customer", back_populates="services")
    product = relationship("Product", lazy="joined")
    order = relationship("Order", back_populates="services")


@event.listens_for(Service, "before_insert")
def _anchor_to_first_due_day(mapper: Mapper[Service], connection: Connection, target: Service) -> None:
    if target.anchor_day is None and target.next_due_date is not None:
        target.anchor_day = target.next_due_date.day
