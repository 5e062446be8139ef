"""BNR reference exchange rates, stored per publication day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hostico.models.base import Base, Rate, UTCDateTime, utcnow


class ExchangeRate(Base):
    """Lei per `multiplier` units of a currency, as BNR published it on `day` (valid from the next day)."""

    __tablename__ = "exchange_rates"
    __table_args__ = (CheckConstraint("rate > 0", name="rate_positive"),
                      CheckConstraint("multiplier > 0", name="multiplier_positive"))

    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    currency: Mapped[str] = mapped_column(String(3), primary_key=True)
    rate: Mapped[Decimal] = mapped_column(Rate(), nullable=False)
    multiplier: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)


class ExchangeRateSync(Base):
    """One successful read of BNR's feed: everything BNR published up to `fetched_at` is stored."""

    __tablename__ = "exchange_rate_syncs"

    id: Mapped[int] = mapped_column(primary_key=True)
    fetched_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False, index=True)
    latest_day: Mapped[dt.date] = mapped_column(Date, nullable=False)
