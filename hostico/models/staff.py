"""Staff users of /staff, with roles."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hostico.models.base import Base, LoginUser, TimestampMixin, UTCDateTime

STAFF_ROLES = ("admin", "billing", "support")


class StaffUser(LoginUser, TimestampMixin, Base):
    __tablename__ = "staff_users"
    __table_args__ = (CheckConstraint("role IN ('admin', 'billing', 'support')", name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    role: Mapped[str] = mapped_column(String(10), nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True, nullable=False)
    # Bumped whenever every session of the user is ended (a pending 2FA step carries it).
    session_epoch: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    # Wrong second-factor codes in a row (a right one resets it) and when the last came: guessing is
    # throttled in the database, whatever process or limiter storage answers (accounts.second_factor).
    second_factor_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    second_factor_failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    kind = "staff"

    @property
    def is_active(self) -> bool:  # flask-login refuses inactive users
        return self.active

    def get_id(self) -> str:
        return f"s:{self.id}"
