"""Customers of the client area and their 2FA recovery codes."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hostico.models.base import Base, LoginUser, TimestampMixin, UTCDateTime, utcnow


class Customer(LoginUser, TimestampMixin, Base):
    __tablename__ = "customers"
    __table_args__ = (CheckConstraint("NOT sms_opt_in OR phone_e164 IS NOT NULL", name="sms_needs_phone"),
                      CheckConstraint("language IN ('ro', 'en')", name="language_supported"))

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    phone_e164: Mapped[str | None] = mapped_column(String(20))
    sms_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    sms_consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # The language of the customer's emails, SMS and PDFs (and of the pages, unless this browser chose
    # another with ?lang=): "ro" or "en".
    language: Mapped[str] = mapped_column(String(5), default="ro", server_default="ro", nullable=False)
    # Bumped whenever every session of the customer is ended (hostico.accounts.login_sessions.revoke_all):
    # a half-finished login (password given, 2FA code pending) carries it and dies with the sessions.
    session_epoch: Mapped[int] = mapped_column(Integer, default=1, nullable=False)
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    # Wrong second-factor codes in a row (a right one resets it) and when the last came: guessing is
    # throttled in the database, whatever process or limiter storage answers (accounts.second_factor).
    second_factor_failures: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    second_factor_failed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    password_changed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # When the customer proved the address theirs (sign-up link, invitation, password reset); None: an account
    # opened at /signup whose link was not opened yet, or invited by staff and not yet accepted
    # (docs/accounts.md). Accounts made any other way (demo, staff tools, tests) count as verified.
    email_verified_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the customer closed the account (anonymised; staff may undo it for 30 days: AccountClosure).
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    billing_profiles = relationship(
        "BillingProfile", back_populates="customer", order_by="BillingProfile.id", lazy="raise_on_sql"
    )
    services = relationship("Service", back_populates="customer", lazy="raise_on_sql")
    recovery_codes = relationship("RecoveryCode", back_populates="customer", lazy="raise_on_sql")

    kind = "customer"

    def get_id(self) -> str:
        """The session's user id (whether the session is still valid is its server record's business)."""
        return f"c:{self.id}"

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.email}>"


class RecoveryCode(TimestampMixin, Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    customer = relationship("Customer", back_populates="recovery_codes")
