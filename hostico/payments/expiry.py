"""Checkouts that end (docs/payments.md): the worker asks the gateway about checkouts still pending past their
lifetime and settles each as a notification would — paid is recorded (the same idempotent path), anything else
expires it. A gateway that does not answer leaves the checkout pending for the next pass: nothing is lost.

One pass at a time on every host (`advisory_lock` "checkout-expiry"); each checkout commits on its own.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hostico.billing.errors import PaymentRefused
from hostico.billing.settings import BillingSettings
from hostico.db import advisory_lock
from hostico.models import Checkout, utcnow
from hostico.models.checkout import CheckoutStatus
from hostico.payments.checkout import apply_notification, expire_checkout, lock_checkout, record_refused_notification
from hostico.payments.errors import GatewayUnavailable, NotificationRefused
from hostico.payments.gateways import get_gateway
from hostico.payments.gateways.base import FAILED, PAID, Gateway, GatewayConfig, Notification

logger = logging.getLogger("hostico.worker")
LOCK = "checkout-expiry"  # one pass at a time on every host (hostico.db.advisory_lock)
BATCH = 200


@dataclass
class ExpirySummary:
    """What one pass did."""

    asked: int = 0
    paid: int = 0
    failed: int = 0
    expired: int = 0
    unreachable: int = 0

    def line(self) -> str:
        """One line for the log."""
        return (f"checkouts asked {self.asked}: paid {self.paid}, failed {self.failed}, expired {self.expired}, "
                f"gateway unreachable {self.unreachable}")


def due_checkouts(session: Session, now: dt.datetime, limit: int = BATCH) -> list[int]:
    """The ids of pending checkouts past their lifetime, the oldest first."""
    return list(session.scalars(select(Checkout.id).where(Checkout.status == CheckoutStatus.PENDING,
                                                          Checkout.expires_at <= now)
                                .order_by(Checkout.expires_at, Checkout.id).limit(limit)))


def conclude(session: Session, reference: str, gateway: str, answer: Notification | None, *,
             settings: BillingSettings, today: dt.date) -> str:
    """Settle a checkout past its lifetime from the gateway's answer: paid or failed as the notification would
    (`recorded`, `duplicate`, `failed`), anything else `expired`. Raises NotificationRefused (a paid answer whose
    amount or currency is not the checkout's), which the caller audits."""
    if answer is not None and answer.status in (PAID, FAILED):
        answer = dataclasses.replace(answer, reference=reference)  # the checkout asked about, whatever it echoes
        outcome = apply_notification(session, answer, gateway=gateway, settings=settings, today=today)
        if outcome != "ignored":
            return outcome
    checkout = lock_checkout(session, reference, gateway)
    if checkout is None or checkout.status != CheckoutStatus.PENDING:
        return "ignored"  # a notification settled it meanwhile
    expire_checkout(session, checkout, event=answer.event_id if answer else "query:none")
    return "expired"


def _refused(session: Session, answer: Notification | None, reference: str, gateway: str, code: str) -> None:
    """The gateway says paid, but not this amount or currency: audited for staff, and the checkout ends."""
    if answer is not None:
        record_refused_notification(session, answer, gateway=gateway, error=code)
    checkout = lock_checkout(session, reference, gateway)
    if checkout is not None and checkout.status == CheckoutStatus.PENDING:
        expire_checkout(session, checkout, event="query:refused", note=code)


def expire_checkouts(session: Session, gateways: Callable[[str], Gateway], settings: BillingSettings, *,
                     now: dt.datetime | None = None, today: dt.date | None = None) -> ExpirySummary:
    """Ask the gateway about every pending checkout past its lifetime and settle it; commit each on its own."""
    now = now or utcnow()
    today = today or settings.today()
    summary = ExpirySummary()
    due = session.execute(select(Checkout.reference, Checkout.gateway, Checkout.provider_id)
                          .where(Checkout.id.in_(due_checkouts(session, now)))
                          .order_by(Checkout.expires_at, Checkout.id)).all()
    session.rollback()  # no transaction (nor SQLite's write lock) held while a gateway answers
    for reference, gateway, provider_id in due:
        summary.asked += 1
        try:
            answer = gateways(gateway).query_status(reference, provider_id)
        except GatewayUnavailable as exc:
            summary.unreachable += 1
            logger.warning("checkout %s: %s did not answer the status query (asked again later): %s",
                           reference[:12], gateway, exc)
            continue
        try:
            outcome = conclude(session, reference, gateway, answer, settings=settings, today=today)
            session.commit()
        except IntegrityError:
            session.rollback()  # a notification delivered meanwhile recorded the payment first
            outcome = "duplicate"
        except (NotificationRefused, PaymentRefused) as exc:
            session.rollback()
            _refused(session, answer, reference, gateway, str(getattr(exc, "code", "refused")))
            session.commit()
            outcome = "expired"
        if outcome == "recorded":
            summary.paid += 1
        elif outcome == "failed":
            summary.failed += 1
        elif outcome == "expired":
            summary.expired += 1
    return summary


class CheckoutExpirer:
    """The worker's periodic job: every EVERY seconds, settle the checkouts pending past their lifetime."""

    EVERY = 300.0

    def __init__(self, session_factory: Callable[[], Session], settings: BillingSettings, gateways: GatewayConfig,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.session_factory, self.settings, self.clock = session_factory, settings, clock
        self.gateways = gateways
        self.next_at: float | None = None

    def due(self) -> ExpirySummary | None:
        """Run a pass if due; return what it did, or None when it was not time (or another host runs one)."""
        if self.next_at is not None and self.clock() < self.next_at:
            return None
        self.next_at = self.clock() + self.EVERY
        session = self.session_factory()
        try:
            with advisory_lock(session, LOCK) as held:
                if not held:
                    return None  # another worker does it right now
                summary = expire_checkouts(session, lambda name: get_gateway(self.gateways, name), self.settings)
        except Exception:
            session.rollback()
            logger.exception("checkout expiry failed (tried again at the next interval)")
            return None
        finally:
            session.close()
        if summary.asked:
            logger.info(summary.line())
        return summary
