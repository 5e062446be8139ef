"""The daily billing run: renewal proformas, payment reminders, suspension for nonpayment, expiry of
unpaid orders.

Unlike every other domain function, the run commits, batch by batch, so a crash midway loses at most
one batch and the next run resumes where it stopped:

- a renewal proforma carries `renewal:<service id>:<due date>` in `Invoice.renewal_key` (unique), and
  the run skips services whose key already exists;
- a reminder is keyed `<invoice id>:<threshold>` in the outbox's dedupe key;
- a suspension only applies to an active service, so a suspended one is not suspended again;
- an order expires only while pending, and then is cancelled.

Hence a second run on the same day changes nothing. Each phase reads the ids it has to look at through
an index ((status, next_due_date) for services, (kind, status, due_date) for proformas), then works
on them in batches with a fixed number of bulk queries per batch plus the outbox writes of each
notification, so its cost follows the number of services due, not the size of the database.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, func, or_, select, update
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.buyers.profiles import buyers_by_customer
from hostico.billing.currency import BnrRate, document_currency, rate_for
from hostico.billing.descriptions import hosting_line
from hostico.billing.errors import BillingRunBusy, NoExchangeRate
from hostico.billing.hosting_services import next_period_start, suspend_service
from hostico.billing.invoicing import LineSpec, build_proforma, reprice, values
from hostico.billing.notices import Notice, queue_notifications
from hostico.billing.numbering import reserve_numbers
from hostico.billing.orders import expire_order, expiry_cutoff
from hostico.billing.queries import open_order, overdue, unpaid_proforma
from hostico.billing.settings import BillingSettings
from hostico.billing.vat_checks import recheck_pending
from hostico.billing.vies_job import LOCK as VIES_LOCK
from hostico.db import advisory_lock, among, for_update, insert_rows
from hostico.errors import N_
from hostico.models import (
    Base,
    BillingProfile,
    BillingRun,
    Customer,
    Invoice,
    InvoiceEvent,
    InvoiceLine,
    Order,
    Service,
    utcnow,
)
from hostico.models.billing_profile import BuyerSnapshot
from hostico.models.billing_run import BillingRunStatus
from hostico.models.invoice import InvoiceOrigin
from hostico.models.service import ServiceStatus, SuspensionReason

Progress = Callable[[str, int, int], None]
RENEWABLE = (ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED)
RUN_LOCK_KEY = 0x484F5354  # "HOST": the advisory lock of billing-run batches


def renewal_key(service_id: int, due: dt.date) -> str:
    """Return the key that makes a service's renewal proforma for one due date unique."""
    return f"renewal:{service_id}:{due.isoformat()}"


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start:start + size]


def _batches(session: Session, ids: Sequence[int], batch_size: int, summary: dict[str, Any], progress: Progress | None,
             phase: str, scanned: str | None = None) -> Iterator[Sequence[int]]:
    """The billing run's batch loop, for every phase: each batch of ids takes the run lock, is handed to the
    caller's loop body, then committed (one transaction per batch, so a crash loses one batch) and reported.
    An exception in the body ends the loop before the commit."""
    done = 0
    for chunk in _chunks(ids, batch_size):
        _lock_batch(session, summary["run_id"])
        yield chunk
        summary["batches"] += 1
        session.commit()
        done += len(chunk)
        if scanned:
            summary[scanned] = done
        if progress:
            progress(phase, done, len(ids))


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _reserve_ids(session: Session, model: type[Base], count: int) -> list[int]:
    """Take `count` primary keys of a table: from its sequence (PostgreSQL) or past its maximum (SQLite,
    where the caller already holds the database's write lock, taken by reserve_numbers)."""
    table = cast(Table, model.__table__)
    if _is_postgres(session):
        seq = func.pg_get_serial_sequence(table.name, "id")
        return list(session.scalars(select(func.nextval(seq)).select_from(func.generate_series(1, count))))
    start = session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0
    return list(range(start + 1, start + 1 + count))


def _lock_batch(session: Session, run_id: int) -> None:
    """Serialise the batches of billing runs started at the same time (cron and a staff click): the
    second waits for the first's batch to commit, then finds its work done instead of colliding."""
    if _is_postgres(session):
        session.execute(select(func.pg_advisory_xact_lock(RUN_LOCK_KEY)))
    else:  # SQLite: a no-op write takes the database's write lock for the rest of the transaction
        table = cast(Table, BillingRun.__table__)
        session.execute(update(table).where(table.c.id == run_id).values(status=table.c.status))


def _customers(session: Session, ids: set[int]) -> dict[int, Customer]:
    return {c.id: c for c in session.scalars(select(Customer).where(among(session, Customer.id, ids)))}


def run_billing_for_staff(session: Session, settings: BillingSettings, today: dt.date, *, staff_id: int,
                          ip: str | None = None) -> dict[str, Any]:
    """Run the billing now at staff's request; audit it with its summary (dates and amounts as text, so the
    audit entry can store it), which is returned."""
    summary: dict[str, Any] = json.loads(json.dumps(run_billing(session, settings, today) or {}, default=str))
    record(session, "billing.run", actor_kind="staff", actor_id=staff_id, ip=ip,
           data={"today": today.isoformat(), "summary": summary})
    session.flush()
    return summary


RUN_LOCK = "billing-run"  # the advisory lock every billing run takes (docs/operations.md, Many hosts)


def run_billing(session: Session, settings: BillingSettings, today: dt.date, *, batch_size: int = 500,
                progress: Progress | None = None, wait: bool = False) -> dict[str, Any]:
    """Run the day's billing in committed batches; return (and record in a BillingRun) what it did.

    One run at a time on every host: a run started while another holds the lock raises BillingRunBusy (or, with
    wait=True, starts when the other ends, and finds its work done)."""
    with advisory_lock(session, RUN_LOCK, wait=wait) as held:
        if not held:
            raise BillingRunBusy(N_("Another billing run is in progress; this one did nothing."),
                                 code="billing_run_busy")
        return _run_billing(session, settings, today, batch_size=batch_size, progress=progress)


def _run_billing(session: Session, settings: BillingSettings, today: dt.date, *, batch_size: int,
                 progress: Progress | None) -> dict[str, Any]:
    run = BillingRun(run_date=today, status=BillingRunStatus.RUNNING)
    session.add(run)
    session.commit()
    run_id = run.id
    summary = {"run_id": run_id, "date": today.isoformat(), "services_scanned": 0, "proformas_issued": 0,
               "waiting_for_rate": 0, "waiting_for_billing_data": 0, "proformas_scanned": 0, "reminders": 0,
               "suspensions": 0, "batches": 0, "vies_rechecked": 0, "proformas_repriced": 0, "orders_expired": 0}
    try:
        _recheck_vies(session, settings, today, summary)
        _expire_orders(session, settings, today, batch_size, summary, progress)  # before repricing what it cancels
        _reprice_unpaid(session, settings, today, batch_size, summary, progress)
        _issue_renewals(session, settings, today, batch_size, summary, progress)
        _send_reminders(session, settings, today, batch_size, summary, progress)
        _suspend_overdue(session, settings, today, batch_size, summary, progress)
    except BaseException as exc:
        session.rollback()
        failed = session.get_one(BillingRun, run_id)
        failed.status, failed.finished_at = BillingRunStatus.FAILED, utcnow()
        failed.summary = {**summary, "error": type(exc).__name__}
        session.commit()
        raise
    finished = session.get_one(BillingRun, run_id)
    finished.status, finished.finished_at, finished.summary = BillingRunStatus.FINISHED, utcnow(), dict(summary)
    session.commit()
    return summary


def _recheck_vies(session: Session, settings: BillingSettings, today: dt.date, summary: dict[str, Any]) -> None:
    """Ask VIES again about the VAT numbers it could not check (before renewals use the profiles)."""
    if not settings.vies_url:
        return
    with advisory_lock(session, VIES_LOCK) as held:
        if held:  # else a worker is re-checking them right now
            summary["vies_rechecked"] = recheck_pending(session, settings, today=today).checked
    session.commit()


def _reprice_unpaid(session: Session, settings: BillingSettings, today: dt.date, batch_size: int,
                    summary: dict[str, Any], progress: Progress | None) -> None:
    """Bring unpaid proformas to the VAT rate in force today (docs/fiscal.md): after a rate change the customer
    pays the new total, and the tax invoice charges the rate of the payment day."""
    current = settings.vat_rate_on(today)
    others = [rate for rate in settings.vat_rates_in_table if rate != current]
    if not others:
        return
    ids = session.scalars(
        select(Invoice.id).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
        .where(unpaid_proforma(), Invoice.vat_category == "S",
               InvoiceLine.vat_rate.in_(others))
        .group_by(Invoice.id).order_by(Invoice.id)
    ).all()
    for chunk in _batches(session, ids, batch_size, summary, progress, "vat"):
        stmt = select(Invoice).where(among(session, Invoice.id, chunk)).order_by(Invoice.id).execution_options(
            populate_existing=True)
        stmt = for_update(session, stmt)  # a payment waits, then finds the proforma at the new rate
        for invoice in session.scalars(stmt).all():
            if invoice.is_editable and reprice(session, invoice, settings, today):
                summary["proformas_repriced"] += 1


def _issue_renewals(session: Session, settings: BillingSettings, today: dt.date, batch_size: int,
                    summary: dict[str, Any], progress: Progress | None) -> None:
    horizon = today + dt.timedelta(days=settings.renewal_days_before)
    ids = session.scalars(
        select(Service.id).where(Service.status.in_(RENEWABLE), Service.next_due_date <= horizon).order_by(Service.id)
    ).all()
    for chunk in _batches(session, ids, batch_size, summary, progress, "renewals", scanned="services_scanned"):
        issued, waiting, no_data = _renew_batch(session, settings, today, chunk)
        summary["proformas_issued"] += issued
        summary["waiting_for_rate"] += waiting
        summary["waiting_for_billing_data"] += no_data


def _renew_batch(session: Session, settings: BillingSettings, today: dt.date,
                 chunk: Sequence[int]) -> tuple[int, int, int]:
    """Issue the batch's renewal proformas; return (issued, left for lack of a BNR rate, left for lack of
    the customer's billing data)."""
    services = session.scalars(select(Service).where(among(session, Service.id, chunk)).order_by(Service.id)).all()
    keys = {s.id: renewal_key(s.id, s.next_due_date) for s in services if s.status in RENEWABLE}
    issued = set(session.scalars(select(Invoice.renewal_key).where(among(session, Invoice.renewal_key,
                                                                         list(keys.values())))))
    todo = [s for s in services if s.id in keys and keys[s.id] not in issued]
    if not todo:
        return 0, 0, 0
    customer_ids = {s.customer_id for s in todo}
    customers = _customers(session, customer_ids)
    chosen = buyers_by_customer(session, customer_ids, settings)
    # Each customer's buyer snapshot is taken once, when the profile is checked, and copied onto its proformas.
    profiles = {customer_id: profile for customer_id, (profile, _) in chosen.items()}
    buyers = {customer_id: buyer for customer_id, (_, buyer) in chosen.items()}
    todo, no_data = _ask_for_billing_data(session, settings, todo, customers, profiles)
    todo, rate, waiting = _with_rates(session, settings, today, todo, buyers)
    if not todo:
        return 0, waiting, no_data
    first, issue_date = reserve_numbers(session, settings.proforma_series, len(todo), today)
    invoices = []
    for offset, service in enumerate(todo):
        start = service.next_due_date
        end = next_period_start(service) - dt.timedelta(days=1)
        spec = LineSpec(description=hosting_line(service.product.name, service.domain, service.cycle,
                                                     customers[service.customer_id].language),
                        unit_price=service.price, currency=service.currency, service_id=service.id,
                        period_start=start, period_end=end)
        invoices.append(build_proforma(
            customers[service.customer_id], [spec], origin=InvoiceOrigin.SYSTEM, settings=settings, today=issue_date,
            number=first + offset, profile=profiles[service.customer_id], buyer=buyers[service.customer_id],
            renewal_key=keys[service.id], due_date=max(start, issue_date), rate=rate, plain=True))
    # The proformas' ids are taken up front, so their lines and history rows can name them without RETURNING;
    # the lines and events get theirs from the table's sequence as they go in (nothing refers to them yet).
    invoice_ids = _reserve_ids(session, Invoice, len(invoices))
    lines, events = [], []
    for invoice, invoice_id in zip(invoices, invoice_ids, strict=True):
        invoice.id = invoice_id
        for line in invoice.lines:
            line.invoice_id = invoice_id
            lines.append(values(line))
        events.append({"invoice_id": invoice_id, "action": "created", "actor_kind": "system", "note": "system",
                       "note_code": "renewal"})
    # Plain rows (build_proforma(plain=True)) inserted in bulk: ORM objects cost more to build and to flush,
    # attribute by attribute, than the database took to store them. Nothing in the batch reads them back as
    # objects; column defaults (created_at, ...) are applied as the ORM would.
    for model, rows in ((Invoice, [values(invoice) for invoice in invoices]), (InvoiceLine, lines),
                        (InvoiceEvent, events)):
        insert_rows(session, cast(Table, model.__table__), rows)
    queue_notifications(session, "proforma_system", [
        Notice(customers[invoice.customer_id], invoice=invoice, service=None, key=None,
               context={"domain": service.domain, "due_date": cast(dt.date, invoice.due_date).isoformat(),
                        "total": str(invoice.total), "currency": invoice.currency})
        for invoice, service in zip(invoices, todo, strict=True)], settings, count=False)
    return len(invoices), waiting, no_data


def _ask_for_billing_data(session: Session, settings: BillingSettings, todo: list[Service],
                          customers: dict[int, Customer],
                          profiles: dict[int, BillingProfile]) -> tuple[list[Service], int]:
    """Leave the renewals of customers without complete billing data (no proforma without the buyer's
    name and address, docs/fiscal.md) for a later run, and email each of them once to ask for it: one email per
    customer and earliest due date, so the next runs do not repeat it. Return (services to bill, left)."""
    left = [s for s in todo if s.customer_id not in profiles]
    if not left:
        return todo, 0
    waiting: dict[int, list[Service]] = {}
    for service in left:
        waiting.setdefault(service.customer_id, []).append(service)
    notices = []
    for customer_id, services in waiting.items():
        first_due = min(s.next_due_date for s in services)
        notices.append(Notice(customers[customer_id], invoice=None, service=None,
                              key=f"{customer_id}:{first_due.isoformat()}",
                              context={"domains": sorted(s.domain for s in services),
                                       "due_date": first_due.isoformat()}))
    queue_notifications(session, "billing_data_needed", notices, settings)
    return [s for s in todo if s.customer_id in profiles], len(left)


def _with_rates(session: Session, settings: BillingSettings, today: dt.date, todo: list[Service],
                buyers: dict[int, BuyerSnapshot]) -> tuple[list[Service], BnrRate | None, int]:
    """Find the BNR rate the batch's foreign-currency renewals need (one lookup per batch); without
    one, leave those services for a later run. Return (services to bill, rate, services left)."""
    def needs(service: Service) -> bool:
        currency = document_currency(buyers[service.customer_id])
        return currency != "RON" or service.currency != currency
    foreign = {s.id for s in todo if needs(s)}
    if not foreign:
        return todo, None, 0
    try:
        rate = rate_for(session, today, url=settings.bnr_rates_url, timeout=settings.bnr_timeout,
                        timezone=settings.timezone)
    except NoExchangeRate:
        return [s for s in todo if s.id not in foreign], None, len(foreign)
    return todo, rate, 0


def reminder_threshold(days_left: int, reminder_days: Sequence[int]) -> int | None:
    """Return the reminder a proforma has reached (the nearest threshold at or past), or None.

    With thresholds (3, 0), a proforma due in 5 days has none, in 2 days the "3" one, and an overdue
    one the "0" one; a day the run did not happen is caught up the next day, never sent twice.
    """
    reached = [d for d in reminder_days if days_left <= d]
    return min(reached) if reached else None


def _send_reminders(session: Session, settings: BillingSettings, today: dt.date, batch_size: int,
                    summary: dict[str, Any], progress: Progress | None) -> None:
    if not settings.reminder_days:
        return
    latest = today + dt.timedelta(days=max(settings.reminder_days))
    earliest = today - dt.timedelta(days=settings.grace_days)
    ids = session.scalars(
        select(Invoice.id).where(unpaid_proforma(), Invoice.due_date >= earliest, Invoice.due_date <= latest,
                                 Invoice.issue_date < today)
        .order_by(Invoice.id)
    ).all()
    for chunk in _batches(session, ids, batch_size, summary, progress, "reminders", scanned="proformas_scanned"):
        invoices = session.scalars(select(Invoice).where(among(session, Invoice.id, chunk)).order_by(Invoice.id)).all()
        customers = _customers(session, {i.customer_id for i in invoices})
        notices = []
        for invoice in invoices:
            due = cast(dt.date, invoice.due_date)  # the query selects by it: never None
            days_left = (due - today).days
            threshold = reminder_threshold(days_left, settings.reminder_days)
            if threshold is not None:
                notices.append(Notice(customers[invoice.customer_id], invoice=invoice, service=None,
                                      key=f"{invoice.id}:{threshold}",
                                      context={"days_left": days_left, "due_date": due.isoformat(),
                                               "total": str(invoice.total), "currency": invoice.currency}))
        summary["reminders"] += queue_notifications(session, "reminder", notices, settings)


def _overdue_pairs(session: Session, cutoff: dt.date,
                   service_ids: Sequence[int] | None = None) -> Sequence[Row[int, int, str, dt.date | None]]:
    """Return (service id, proforma id, code, due date) of active services owing a proforma past the cutoff."""
    stmt = (
        select(Service.id, Invoice.id, Invoice.code, Invoice.due_date)
        .join(InvoiceLine, InvoiceLine.service_id == Service.id)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(overdue(cutoff),
               Service.status == ServiceStatus.ACTIVE,
               # a proforma for a period the service has since paid (by another proforma) is stale
               or_(InvoiceLine.period_start.is_(None), InvoiceLine.period_start >= Service.next_due_date))
        .order_by(Service.id, Invoice.due_date)
    )
    if service_ids is not None:
        stmt = stmt.where(among(session, Service.id, service_ids))
    return session.execute(stmt).all()


def _suspend_overdue(session: Session, settings: BillingSettings, today: dt.date, batch_size: int,
                     summary: dict[str, Any], progress: Progress | None) -> None:
    cutoff = today - dt.timedelta(days=settings.grace_days)
    service_ids = sorted({row[0] for row in _overdue_pairs(session, cutoff)})
    for chunk in _batches(session, service_ids, batch_size, summary, progress, "suspensions"):
        pairs = _overdue_pairs(session, cutoff, chunk)
        if _is_postgres(session):
            # Lock in the order a payment does (proforma, then service), then look again: a payment
            # that committed meanwhile must not be followed by a suspension.
            proformas = select(Invoice.id).where(among(session, Invoice.id, {p[1] for p in pairs}))
            session.execute(for_update(session, proformas.order_by(Invoice.id)))
            pairs = _overdue_pairs(session, cutoff, chunk)
        owing: dict[int, tuple[Any, ...]] = {}
        for service_id, invoice_id, code, due in pairs:
            owing.setdefault(service_id, (code, due, invoice_id))
        stmt = select(Service).where(among(session, Service.id, owing)).order_by(Service.id)
        stmt = stmt.execution_options(populate_existing=True)
        stmt = for_update(session, stmt, of=Service)
        services = session.scalars(stmt).all()
        _customers(session, {s.customer_id for s in services})  # into the identity map for suspend_service
        for service in services:
            if service.status != ServiceStatus.ACTIVE:
                continue
            code, due, invoice_id = owing[service.id]
            suspend_service(session, service, reason=SuspensionReason.NONPAYMENT,
                            note=f"Proforma {code} unpaid since {due.isoformat()}",
                            sms_hours=settings.sms_hours, timezone=settings.timezone,
                            cause=session.get(Invoice, invoice_id))
            summary["suspensions"] += 1


def _expire_orders(session: Session, settings: BillingSettings, today: dt.date, batch_size: int,
                   summary: dict[str, Any], progress: Progress | None) -> None:
    """Cancel orders unpaid for more than ORDER_EXPIRY_DAYS: their proformas and pending services (which
    frees the domains), with a history event and an email each (docs/billing.md, Orders)."""
    if settings.order_expiry_days <= 0:
        return
    ids = session.scalars(select(Order.id).where(open_order(),
                                                 Order.created_at < expiry_cutoff(settings, today))
                          .order_by(Order.id)).all()
    # The run lock is also SQLite's write lock, taken before reading what a payment changes.
    for chunk in _batches(session, ids, batch_size, summary, progress, "orders"):
        for order_id in chunk:
            if expire_order(session, order_id, settings):
                summary["orders_expired"] += 1
