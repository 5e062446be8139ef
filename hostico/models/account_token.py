"""Server-side records of the links account emails carry: password reset, sign-up confirmation, invitation.

The token itself is made by the outbox worker when it sends the email and only its SHA-256 is kept here
(docs/accounts.md, "Links in account emails"): neither the outbox nor a backup holds a usable link.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hostico.models.base import Base, TimestampMixin, UTCDateTime

ACCOUNT_TOKEN_PURPOSES = ("password_reset", "signup", "invitation")


class AccountToken(TimestampMixin, Base):
    __tablename__ = "account_tokens"
    __table_args__ = (
        CheckConstraint("purpose IN ('password_reset', 'signup', 'invitation')", name="purpose"),
        CheckConstraint("(customer_id IS NULL) <> (staff_id IS NULL)", name="one_owner"),
        CheckConstraint("valid_minutes > 0", name="valid_minutes_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(20), nullable=False)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    # The email that carries the link; its token is made when the worker sends it.
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), unique=True)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    valid_minutes: Mapped[int] = mapped_column(Integer, nullable=False)
    minted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(45))
    # What waits for the link: a visitor's order (plan, cycle, domain, billing data) placed once the sign-up is
    # confirmed, and gone with the link when it expires (docs/accounts.md, "Ordering as a visitor").
    payload: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    @property
    def owner_kind(self) -> str:
        """'customer' or 'staff': whose account the link opens."""
        return "customer" if self.customer_id is not None else "staff"
