"""Server-side login sessions: one record per login (customer or staff), checked on every request.

The browser's cookie holds only a random session id; the database keeps its SHA-256, so a copy of
the table logs nobody in. Revoking the record (logout, credential change, staff action, revoked
mail link) ends that session wherever its cookie was copied to.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from hostico.models.base import Base, UTCDateTime, utcnow

SESSION_KINDS = ("customer", "staff")
SESSION_VIAS = ("password", "maillink")


class UserSession(Base):
    __tablename__ = "user_sessions"
    __table_args__ = (
        CheckConstraint("kind IN ('customer', 'staff')", name="kind"),
        CheckConstraint("via IN ('password', 'maillink')", name="via"),
        CheckConstraint("(kind = 'customer' AND customer_id IS NOT NULL AND staff_id IS NULL)"
                        " OR (kind = 'staff' AND staff_id IS NOT NULL AND customer_id IS NULL)", name="one_owner"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)  # sha256 of the cookie's id
    via: Mapped[str] = mapped_column(String(10), nullable=False)
    # The mail-login link that opened the session (revoking the link ends the session).
    mail_link_id: Mapped[int | None] = mapped_column(ForeignKey("mail_login_tokens.id", ondelete="SET NULL"),
                                                     index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    # When the password was last proven in this session (login or step-up); None for a mail-link login.
    fresh_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(255))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(40))

    @property
    def user_id(self) -> int:
        return self.customer_id if self.kind == "customer" else self.staff_id  # type: ignore[return-value]

    def __repr__(self) -> str:
        return f"<UserSession {self.id} {self.kind}:{self.user_id} {self.via}{' revoked' if self.revoked_at else ''}>"
