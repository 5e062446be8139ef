"""Declarative base, exact money types and shared column helpers."""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, DateTime, Dialect, Integer, MetaData, String, TypeDecorator
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


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always returned timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def one_of(column: str, states: type[enum.StrEnum], *, nullable: bool = False) -> str:
    """The CHECK that keeps `column` to the values of `states`, written from the enum so the two cannot drift."""
    check = f"{column} IN ({', '.join(repr(str(state)) for state in states)})"
    return f"{column} IS NULL OR {check}" if nullable else check


class StateColumn(TypeDecorator[enum.StrEnum]):
    """A state stored as its string (VARCHAR(length), the CHECK beside it) and read back as its StrEnum member."""

    impl = String
    cache_ok = True

    def __init__(self, states: type[enum.StrEnum], length: int) -> None:
        super().__init__(length)
        self.states = states

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> enum.StrEnum | None:
        return None if value is None else self.states(value)


class _ScaledDecimal(TypeDecorator[Decimal]):
    """A Decimal stored exactly as an integer count of 1/SCALE units (engines agree on integers)."""

    impl: type[Integer] = BigInteger
    cache_ok = True
    SCALE = 100
    _PLACES = 2  # decimals of SCALE; set per subclass once, not on every row read

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._PLACES = len(str(cls.SCALE)) - 1

    def process_bind_param(self, value: Decimal | int | str | None, dialect: Dialect) -> int | None:
        if value is None:
            return None
        scaled = Decimal(value) * self.SCALE
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more precision than 1/{self.SCALE}")
        return int(scaled)

    def process_result_value(self, value: int | None, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        # The integer's digits with the exponent moved: the same Decimal, exponent included, as dividing by SCALE
        # and quantizing to its places, at a third of the cost (it runs for every money column of every row).
        return Decimal(int(value)).scaleb(-self._PLACES)


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


class LoginUser:
    """What flask-login asks of a user (is_active, is_authenticated, is_anonymous, get_id), without importing it.

    The same answers and the same equality as flask_login.UserMixin, so the models stay free of the web layer.
    A subclass overrides get_id (the kind-prefixed id the cookie carries) and, for staff, is_active.
    """

    __hash__ = object.__hash__  # defining __eq__ would otherwise make instances unhashable

    @property
    def is_active(self) -> bool:
        return True

    @property
    def is_authenticated(self) -> bool:
        return self.is_active

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)  # type: ignore[attr-defined]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, LoginUser):
            return self.get_id() == other.get_id()
        return NotImplemented

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return NotImplemented if equal is NotImplemented else not equal
