"""What the metrics endpoint reads from the database at each scrape: state shared by every host and process
(docs/operations.md, Health and metrics). Plain queries over the models; no Flask."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hostico.efactura.operations import UNREPORTED
from hostico.models import BillingRun, Checkout, EfacturaDocument, OutboxMessage, utcnow
from hostico.models.billing_run import BillingRunStatus
from hostico.models.outbox import CHANNELS, OutboxStatus

QUEUED = (OutboxStatus.PENDING, OutboxStatus.SENDING)


@dataclass
class Family:
    """One gauge: its name, help text, label names and (label values, value) samples."""

    name: str
    help: str
    labels: tuple[str, ...] = ()
    samples: list[tuple[tuple[str, ...], float]] = field(default_factory=list)


def read_state(session: Session, *, today: dt.date, now: dt.datetime | None = None) -> list[Family]:
    """Every state gauge, read now."""
    now = now or utcnow()
    return [*_outbox(session, now), *_billing_runs(session), *_efactura(session, today), _checkouts(session)]


def _outbox(session: Session, now: dt.datetime) -> Iterable[Family]:
    T = OutboxMessage
    by_status = Family("hostico_outbox_messages", "Outbox messages by channel and status (sent: delivered to the "
                       "SMTP server or SMS provider; dead: failed for good).", ("channel", "status"))
    depth = Family("hostico_outbox_depth", "Messages waiting to be delivered (pending or being sent).", ("channel",))
    age = Family("hostico_outbox_oldest_age_seconds", "How long the oldest message that is due has waited.",
                 ("channel",))
    queued = dict.fromkeys(CHANNELS, 0)
    for channel, status, count in session.execute(
            select(T.channel, T.status, func.count()).group_by(T.channel, T.status)):
        by_status.samples.append(((channel, status), count))
        if status in QUEUED:
            queued[channel] += count
    depth.samples = [((channel, ), count) for channel, count in queued.items()]
    oldest = dict(session.execute(select(T.channel, func.min(T.next_attempt_at))
                                  .where(T.status.in_(QUEUED), T.next_attempt_at <= now).group_by(T.channel)).all())
    for channel in CHANNELS:
        since = oldest.get(channel)
        age.samples.append(((channel, ), max(0.0, (now - _aware(since)).total_seconds()) if since else 0.0))
    return by_status, depth, age


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _billing_runs(session: Session) -> Iterable[Family]:
    runs = Family("hostico_billing_runs", "Billing runs recorded, by status.", ("status",))
    runs.samples = [((status, ), count) for status, count in
                    session.execute(select(BillingRun.status, func.count()).group_by(BillingRun.status))]
    duration = Family("hostico_billing_run_last_duration_seconds", "Wall time of the last finished billing run.")
    finished = Family("hostico_billing_run_last_finished_timestamp_seconds",
                      "When the last finished billing run ended (Unix time).")
    counts = Family("hostico_billing_run_last_count", "What the last finished billing run did (its summary: "
                    "proformas_issued, services_suspended, ...).", ("what",))
    last = session.scalars(select(BillingRun).where(BillingRun.status == BillingRunStatus.FINISHED,
                                                    BillingRun.finished_at.is_not(None))
                           .order_by(BillingRun.finished_at.desc()).limit(1)).first()
    if last is not None and last.finished_at is not None:
        duration.samples = [((), (_aware(last.finished_at) - _aware(last.started_at)).total_seconds())]
        finished.samples = [((), _aware(last.finished_at).timestamp())]
        counts.samples = [((key, ), float(value)) for key, value in sorted((last.summary or {}).items())
                          if isinstance(value, int | float) and not isinstance(value, bool) and key != "run_id"]
    return runs, duration, finished, counts


def _efactura(session: Session, today: dt.date) -> Iterable[Family]:
    D = EfacturaDocument
    docs = Family("hostico_efactura_documents", "e-Factura documents by state (pending, uploaded, ok, nok, "
                  "excluded).", ("state",))
    docs.samples = [((state, ), count) for state, count in
                    session.execute(select(D.state, func.count()).group_by(D.state))]
    overdue = Family("hostico_efactura_overdue_documents", "Documents not reported to ANAF past their deadline.")
    overdue.samples = [((), session.scalar(select(func.count()).select_from(D)
                                           .where(D.state.in_(UNREPORTED), D.deadline < today)) or 0)]
    return docs, overdue


def _checkouts(session: Session) -> Family:
    checkouts = Family("hostico_checkouts", "Card checkouts by gateway and outcome (pending, paid, failed, expired).",
                       ("gateway", "status"))
    checkouts.samples = [((gateway, status), count) for gateway, status, count in session.execute(
        select(Checkout.gateway, Checkout.status, func.count()).group_by(Checkout.gateway, Checkout.status))]
    return checkouts
