"""Server-side records of mail-login links, so they can be revoked and audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hostico.models.base import Base, TimestampMixin, UTCDateTime


class MailLoginToken(TimestampMixin, Base):
    __tablename__ = "mail_login_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), nullable=False)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    use_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    # Loaded with the record when a link is followed (maillogin.tokens.verify), never lazily.
    customer = relationship("Customer", lazy="raise_on_sql")
    invoice = relationship("Invoice", lazy="raise_on_sql")
