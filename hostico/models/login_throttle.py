"""Wrong passwords per account and client (docs/accounts.md): the growing delay of the password login.

A row counts the wrong passwords typed for one email address from one client (its IP address); the key is
a SHA-256 of kind, address and client, so the table keeps neither the addresses typed (an unknown one may
be a password typed in the wrong field) nor who tried them.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hostico.models.base import Base, UTCDateTime


class LoginThrottle(Base):
    __tablename__ = "login_throttles"
    __table_args__ = (CheckConstraint("failures >= 0", name="failures"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    failures: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_failed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
