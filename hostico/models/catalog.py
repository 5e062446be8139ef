"""Products (hosting plans) and their prices per billing cycle."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hostico.models.base import Base, Money, TimestampMixin

CYCLES = ("monthly", "quarterly", "semiannual", "annual")
CYCLE_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6, "annual": 12}
_CYCLE_CHECK = "cycle IN ('monthly', 'quarterly', 'semiannual', 'annual')"


class Product(TimestampMixin, Base):
    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(String(100), nullable=False)
    description: Mapped[str] = mapped_column(Text, default="", nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)

    prices = relationship("Price", back_populates="product", order_by="Price.id", lazy="selectin")


class Price(Base):
    __tablename__ = "prices"
    __table_args__ = (
        UniqueConstraint("product_id", "cycle"),
        CheckConstraint(_CYCLE_CHECK, name="cycle"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), nullable=False)
    cycle: Mapped[str] = mapped_column(String(12), nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money(), nullable=False)  # net of VAT
    currency: Mapped[str] = mapped_column(String(3), default="RON", nullable=False)

    product = relationship("Product", back_populates="prices")
