"""Declarative base, exact money types and shared column helpers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Integer, MetaData, TypeDecorator
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def utcnow() -> dt.datetime:
    """Return the current time, timezone-aware in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class _ScaledDecimal(TypeDecorator):
    """A Decimal stored exactly as an integer count of 1/SCALE units (engines agree on integers)."""

    impl = BigInteger
    cache_ok = True
    SCALE = 100

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        scaled = Decimal(value) * self.SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more precision than 1/{self.SCALE}")
        return int(scaled)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        places = len(str(self.SCALE)) - 1
        return (Decimal(int(value)) / self.SCALE).quantize(Decimal(1).scaleb(-places))


class Money(_ScaledDecimal):
    """Money in minor units (bani, cents): Decimal('12.34') is stored as 1234."""

    cache_ok = True
    SCALE = 100


class Quantity(_ScaledDecimal):
    """A quantity with three decimals, stored in thousandths."""

    cache_ok = True
    SCALE = 1000


class Percent(_ScaledDecimal):
    """A rate in percent with two decimals (21.00 %), stored in hundredths."""

    impl = Integer
    cache_ok = True
    SCALE = 100


class Rate(_ScaledDecimal):
    """An exchange rate with four decimals (BNR publishes 5,0917), stored in ten-thousandths."""

    cache_ok = True
    SCALE = 10000


class TimestampMixin:
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
