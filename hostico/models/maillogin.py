"""Server-side records of mail-login links, so they can be revoked and audited."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hostico.models.base import Base, TimestampMixin, UTCDateTime


class MailLoginToken(TimestampMixin, Base):
    __tablename__ = "mail_login_tokens"
    __table_args__ = (
        # One unrevoked link per outbox email: every attempt to send it reuses the same one.
        Index("uq_mail_login_tokens_live_per_message", "outbox_message_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"))
    outbox_message_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    # When the SMTP server accepted the email that carries the link; its 7 days run from then (docs/mail-login.md).
    # Both stay empty while the email waits: a pending link logs nobody in.
    accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_reason: Mapped[str | None] = mapped_column(String(40))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    use_count: Mapped[int] = mapped_column(Integer, default=0, nullable=False)

    # Loaded with the record when a link is followed (maillogin.tokens.verify), never lazily.
    customer = relationship("Customer", lazy="raise_on_sql")
    invoice = relationship("Invoice", lazy="raise_on_sql")
