"""The notification outbox: emails and SMS written with the change that causes them."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hostico.models.base import Base, StateColumn, TimestampMixin, UTCDateTime, one_of, utcnow


class Channel(enum.StrEnum):
    EMAIL = "email"
    SMS = "sms"


class OutboxStatus(enum.StrEnum):
    """pending → sending (claimed by a worker) → sent, or back to pending to retry, dead after the last try;
    cancelled when what it announced no longer holds (docs/notifications.md)."""

    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    CANCELLED = "cancelled"


class DeliveryStatus(enum.StrEnum):
    """What became of an SMS the provider accepted: sent, then delivered, failed or undelivered as its status
    callback says (docs/sms.md, Delivery receipts)."""

    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNDELIVERED = "undelivered"


CHANNELS = tuple(state.value for state in Channel)
OUTBOX_STATUSES = tuple(state.value for state in OutboxStatus)
DELIVERY_STATUSES = tuple(state.value for state in DeliveryStatus)


class OutboxMessage(TimestampMixin, Base):
    __tablename__ = "outbox"
    __table_args__ = (
        CheckConstraint(one_of("channel", Channel), name="channel"),
        CheckConstraint(one_of("status", OutboxStatus), name="status"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_outbox_status_next_attempt", "status", "next_attempt_at"),
        CheckConstraint(one_of("delivery_status", DeliveryStatus, nullable=True), name="delivery_status"),
        Index("ix_outbox_provider_message_id", "provider_message_id"),  # a receipt finds its SMS
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(StateColumn(Channel, 5), nullable=False)
    event: Mapped[str] = mapped_column(String(40), nullable=False)  # proforma_system, suspension, ...
    # "<event>:<object id>:<channel>": the database refuses a second notification of one event.
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True, nullable=False)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id"))
    recipient: Mapped[str] = mapped_column(String(254), nullable=False)
    template: Mapped[str] = mapped_column(String(60), nullable=False)
    context: Mapped[dict[str, Any]] = mapped_column(JSON, nullable=False, default=dict)
    subject: Mapped[str | None] = mapped_column(String(300))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[OutboxStatus] = mapped_column(StateColumn(OutboxStatus, 10), default=OutboxStatus.PENDING,
                                                 nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(Text)
    provider_message_id: Mapped[str | None] = mapped_column(String(120))
    # The request or job that queued it (hostico/logs.py): the worker's log lines about it carry the same id.
    request_id: Mapped[str | None] = mapped_column(String(64))
    # SMS delivery receipts: the backend that accepted it, then sent -> delivered | failed | undelivered.
    delivery_provider: Mapped[str | None] = mapped_column(String(10))
    delivery_status: Mapped[DeliveryStatus | None] = mapped_column(StateColumn(DeliveryStatus, 12))
    delivery_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    delivery_code: Mapped[str | None] = mapped_column(String(40))  # the provider's error code or final status
