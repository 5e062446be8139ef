"""The billing run's notifications: `notify_many` with the run's settings (the rules live in notify.events)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from hostico.billing.settings import BillingSettings
from hostico.notify.events import Notice, notify_many

__all__ = ["Notice", "queue_notifications"]


def queue_notifications(session: Session, event: str, notices: list[Notice], settings: BillingSettings, *,
                        count: bool = True) -> int | None:
    """Queue the event for every notice not already queued; return how many notices queued something
    (None with count=False, which saves the counting on the run's largest batches)."""
    return notify_many(session, event, notices, sms_hours=settings.sms_hours, timezone=settings.timezone,
                       count=count)
