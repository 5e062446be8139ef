"""Hosted checkouts: start one for one or more proformas, and settle it from the gateway's notification.

A proforma is paid only here, by an authentic notification (or the gateway's answer to a status query, the same
path) whose amount and currency match the checkout; a notification that arrives again, or late (a "failed" after
"paid"), changes nothing. A checkout whose gateway session ended unpaid is `expired` (docs/payments.md, Checkouts
that end); money that still comes for it is recorded.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Sequence
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.buyers.completeness import missing_buyer_fields
from hostico.billing.credit import add_credit
from hostico.billing.invoicing import follows_rate_table
from hostico.billing.payments import record_payment, send_receipt
from hostico.billing.settings import BillingSettings
from hostico.db import for_update
from hostico.models import Checkout, CheckoutItem, Customer, Invoice, Payment, utcnow
from hostico.models.checkout import GATEWAY_NAMES, CheckoutStatus
from hostico.models.credit import CreditReason
from hostico.models.invoice import InvoiceKind, InvoiceStatus
from hostico.payments.errors import NotificationRefused, NotificationRejected, PaymentsError
from hostico.payments.gateways.base import EXPIRED, FAILED, PAID, CheckoutStart, Gateway, Notification

MAX_PROFORMAS = 20
# A payment page opened this recently is offered again rather than a second one (double submits).
REUSE_WINDOW = dt.timedelta(minutes=15)


def new_reference() -> str:
    """Return an unguessable public checkout reference."""
    return "chk_" + secrets.token_urlsafe(18)


def payable_proformas(session: Session, customer_id: int, codes: Sequence[str]) -> list[Invoice]:
    """Return the customer's unpaid proformas among `codes`; raise PaymentsError if any is not payable."""
    codes = list(dict.fromkeys(c for c in codes if c))
    if not codes:
        raise PaymentsError("nothing_selected", "Choose at least one unpaid proforma.")
    if len(codes) > MAX_PROFORMAS:
        raise PaymentsError("too_many", f"At most {MAX_PROFORMAS} proformas in one payment.", limit=MAX_PROFORMAS)
    found = session.scalars(select(Invoice).where(Invoice.code.in_(codes), Invoice.customer_id == customer_id)
                            .order_by(Invoice.id)).all()
    if len(found) != len(codes) or any(i.kind != InvoiceKind.PROFORMA or i.status != InvoiceStatus.UNPAID
                                       for i in found):
        raise PaymentsError("not_payable", "Only your unpaid proformas can be paid.")
    if len({i.currency for i in found}) > 1:
        raise PaymentsError("mixed_currencies", "Proformas in different currencies are paid separately.")
    incomplete = [i.code for i in found if missing_buyer_fields(i.buyer)]
    if incomplete:  # its tax invoice could not be issued when the money arrives (docs/fiscal.md)
        raise PaymentsError("incomplete_buyer", "Proforma %(number)s has no complete billing data; edit it first.",
                            number=incomplete[0])
    return list(found)


def _lock_proformas(session: Session, proformas: Sequence[Invoice]) -> list[Invoice]:
    """Hold the proformas' locks until the caller commits and return them as they are now.

    PostgreSQL: their rows, FOR UPDATE in id order (as a payment takes them). SQLite has no row locks: a
    no-op write takes the database's write lock first (BEGIN IMMEDIATE's effect), so a second submit waits
    here, not after it has asked the gateway for a second payment page.
    """
    ids = sorted(p.id for p in proformas)
    stmt = select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id).execution_options(populate_existing=True)
    return list(session.scalars(for_update(session, stmt, write_lock=(Invoice.version, ids))).all())


def _checkout_under_way(session: Session, proformas: Sequence[Invoice], now: dt.datetime) -> Checkout | None:
    """A pending checkout started in the last REUSE_WINDOW for any of these proformas (the newest)."""
    return session.scalar(
        select(Checkout).join(CheckoutItem, CheckoutItem.checkout_id == Checkout.id)
        .where(CheckoutItem.invoice_id.in_([p.id for p in proformas]), Checkout.status == CheckoutStatus.PENDING,
               Checkout.created_at > now - REUSE_WINDOW, Checkout.expires_at > now)
        .order_by(Checkout.id.desc()).limit(1)
    )


def start_checkout(session: Session, customer: Customer, proformas: Sequence[Invoice], gateway: Gateway, *,
                   urls: Callable[[str], tuple[str, str, str]], description: str,
                   language: str = "ro", now: dt.datetime | None = None) -> tuple[Checkout, str]:
    """Create a checkout at the gateway for the proformas; return it and the hosted page's URL.

    `urls(reference)` gives (return URL, cancel URL, notification URL). The caller commits; when the
    gateway refuses or does not answer, GatewayUnavailable propagates and the caller rolls back.

    The proformas are locked first (docs/payments.md, Card payments): of two submits at once (a double click, two tabs)
    the second waits for the first to commit, then finds its checkout and sends the customer to the same
    payment page instead of opening a second one, so a customer cannot be charged twice for one proforma.
    A checkout under way for some of them only is refused (PaymentsError `in_progress`).
    """
    now = now or utcnow()
    proformas = _lock_proformas(session, proformas)
    if any(p.kind != InvoiceKind.PROFORMA or p.status != InvoiceStatus.UNPAID for p in proformas):
        raise PaymentsError("not_payable", "Only your unpaid proformas can be paid.")
    under_way = _checkout_under_way(session, proformas, now)
    if under_way is not None and under_way.payment_url is None:
        under_way = None  # started before payment pages were kept (accounts_holes_2): nothing to send them back to
    if under_way is not None:
        same = ({i.invoice_id: i.amount for i in under_way.items} == {p.id: p.amount_due for p in proformas}
                and under_way.gateway == gateway.name and under_way.payment_url)
        if not same:
            raise PaymentsError("in_progress", "A card payment of these proformas is already under way.")
        record(session, "checkout.resumed", actor_kind="customer", actor_id=customer.id, obj=under_way,
               customer_id=customer.id, data={"proformas": [p.code for p in proformas]})
        return under_way, under_way.payment_url or ""  # not None: checked above
    currency = proformas[0].currency
    amount = sum((p.amount_due for p in proformas), Decimal("0"))  # a partly paid proforma: what is left
    checkout = Checkout(reference=new_reference(), customer_id=customer.id, gateway=gateway.name, amount=amount,
                        currency=currency, status=CheckoutStatus.PENDING)
    checkout.items = [CheckoutItem(invoice_id=p.id, amount=p.amount_due) for p in proformas]
    session.add(checkout)
    session.flush()
    return_url, cancel_url, notify_url = urls(checkout.reference)
    started = gateway.start_checkout(CheckoutStart(
        reference=checkout.reference, amount=amount, currency=currency, description=description,
        email=customer.email, customer_name=customer.name, return_url=return_url, cancel_url=cancel_url,
        notify_url=notify_url, language=language, lines=tuple((p.code, p.amount_due) for p in proformas)))
    checkout.provider_id = started.provider_id
    checkout.payment_url = started.redirect_url
    if started.expires_at is not None:  # else the longest any gateway allows (models/checkout.py)
        checkout.expires_at = started.expires_at
    record(session, "checkout.started", actor_kind="customer", actor_id=customer.id, obj=checkout,
           customer_id=customer.id, data={"gateway": gateway.name, "amount": str(amount), "currency": currency,
                                          "proformas": [p.code for p in proformas]})
    session.flush()
    return checkout, started.redirect_url


def lock_checkout(session: Session, reference: str, gateway: str) -> Checkout | None:
    """Return the gateway's checkout `reference`, its row locked until the caller commits (None when unknown)."""
    checkout_id = session.scalar(select(Checkout.id).where(Checkout.reference == reference,
                                                           Checkout.gateway == gateway))
    if checkout_id is None:
        return None
    stmt = select(Checkout).where(Checkout.id == checkout_id).execution_options(populate_existing=True)
    # SQLite: the write lock is taken now, so two deliveries of one notification run one after the other
    return session.scalars(for_update(session, stmt, write_lock=(Checkout.status, [checkout_id]))).one()


def record_refused_notification(session: Session, note: Notification, *, gateway: str, error: str) -> None:
    """Keep in the audit log an authentic notification that was wrong (amount, currency): nothing was paid, and
    staff see it there. The caller rolled the notification's changes back first."""
    record(session, "checkout.notification_refused", data={
        "gateway": gateway, "checkout": note.reference[:40], "event": note.event_id, "error": error,
        "amount": str(note.amount), "currency": note.currency})
    session.flush()


def apply_notification(session: Session, note: Notification, *, gateway: str, settings: BillingSettings,
                       today: dt.date) -> str:
    """Apply a verified notification once: `recorded`, `duplicate`, `failed`, `expired` or `ignored`.

    Raises NotificationRejected for an unknown checkout and NotificationRefused (audited by the
    caller) when the amount or currency differs from the checkout's. News that a session ended, for a
    checkout we do not know, is ignored (nothing to end).
    """
    if note.status not in (PAID, FAILED, EXPIRED):
        return "ignored"  # news that settles nothing (3-D Secure under way, an event we do not act on)
    checkout = lock_checkout(session, note.reference, gateway)
    if checkout is None:
        if note.status == EXPIRED:
            return "ignored"
        raise NotificationRejected("unknown_checkout", "unknown checkout")
    if note.status == PAID:
        if note.amount is None or note.amount != checkout.amount:
            raise NotificationRefused("amount_mismatch", f"amount {note.amount} is not {checkout.amount}")
        if (note.currency or "").upper() != checkout.currency:
            raise NotificationRefused("currency_mismatch", f"currency {note.currency} is not {checkout.currency}")
        if checkout.status == CheckoutStatus.PAID:
            return "duplicate"
        _settle(session, checkout, note, settings=settings, today=today)
        return "recorded"
    if checkout.status != CheckoutStatus.PENDING:
        return "ignored"  # a failure after the payment succeeded (out of order), or news already had: nothing changes
    if note.status == EXPIRED:
        expire_checkout(session, checkout, event=note.event_id)
        return "expired"
    checkout.status = CheckoutStatus.FAILED
    checkout.failure_code = (note.reason or "failed")[:40]
    record(session, "checkout.failed", obj=checkout, customer_id=checkout.customer_id,
           data={"reason": checkout.failure_code, "event": note.event_id})
    session.flush()
    return "failed"


def expire_checkout(session: Session, checkout: Checkout, *, event: str, note: str | None = None) -> None:
    """Mark a pending checkout expired: its gateway session ended unpaid, so it no longer holds its order back
    (docs/payments.md, Checkouts that end). A "paid" that still comes for it is recorded all the same."""
    checkout.status = CheckoutStatus.EXPIRED
    checkout.failure_code = "expired"
    data = {"event": event, "expires_at": checkout.expires_at.isoformat()}
    if note:
        data["note"] = note
    record(session, "checkout.expired", obj=checkout, customer_id=checkout.customer_id, data=data)
    session.flush()


def _settle(session: Session, checkout: Checkout, note: Notification, *, settings: BillingSettings,
            today: dt.date) -> None:
    """Record one payment (and tax invoice) per proforma of a paid checkout."""
    reference = f"{checkout.gateway} {note.transaction_id or note.provider_id or note.event_id}"[:120]
    was = checkout.status  # pending, or failed / expired: money that came late is recorded all the same
    not_applied = []
    paid: list[tuple[Invoice, Payment, Invoice]] = []
    for item in checkout.items:
        proforma = session.get_one(Invoice, item.invoice_id, populate_existing=True)
        if (proforma.status != InvoiceStatus.UNPAID or proforma.amount_due != item.amount
                or proforma.currency != checkout.currency
                or follows_rate_table(proforma, settings, today)):
            # Paid another way meanwhile, cancelled or changed (the VAT rate changed since the checkout
            # was created): the money is in, so it becomes the customer's credit balance, which staff apply to
            # a proforma or refund through this checkout's gateway (docs/payments.md, "Customer credit balance").
            not_applied.append(proforma.code)
            add_credit(session, customer_id=checkout.customer_id, currency=checkout.currency, amount=item.amount,
                       reason=CreditReason.SECOND_CHARGE,
                       idempotency_key=f"second-charge:{checkout.reference}:{proforma.id}", checkout_id=checkout.id,
                       invoice_id=proforma.id, note=reference)
            continue
        payment: Payment = record_payment(
            session, proforma.id, amount=item.amount, method="card", settings=settings, today=today,
            reference=reference, idempotency_key=f"checkout:{checkout.reference}:{proforma.id}",
            currency=checkout.currency, receipt=False)
        payment.checkout_id = checkout.id
        paid.append((proforma, payment, session.get_one(Invoice, payment.tax_invoice_id)))
    # One receipt for the checkout, listing every proforma it paid (docs/payments.md).
    send_receipt(session, paid, settings, key=f"checkout:{checkout.id}")
    checkout.status = CheckoutStatus.PAID
    checkout.paid_at = utcnow()
    checkout.failure_code = None
    checkout.transaction_id = note.transaction_id or note.provider_id
    record(session, "checkout.paid", obj=checkout, customer_id=checkout.customer_id,
           data={"event": note.event_id, "amount": str(checkout.amount), "transaction": checkout.transaction_id,
                 "not_applied": not_applied, **({"was": str(was)} if was != CheckoutStatus.PENDING else {})})
    session.flush()


def checkout_summary(session: Session, checkout: Checkout) -> list[tuple[Invoice, Invoice | None]]:
    """Return (proforma, its tax invoice or None) for each proforma of a checkout, in one query each."""
    ids = [item.invoice_id for item in checkout.items]
    proformas = session.scalars(select(Invoice).where(Invoice.id.in_(ids)).order_by(Invoice.id)).all()
    taxes = {t.proforma_id: t for t in session.scalars(
        select(Invoice).where(Invoice.proforma_id.in_(ids), Invoice.kind == InvoiceKind.TAX))}
    return [(p, taxes.get(p.id)) for p in proformas]


def card_payment(session: Session, invoice: Invoice) -> tuple[str, dt.date] | None:
    """Return (gateway name, day paid) when a tax invoice was issued for a card payment through a hosted checkout,
    else None: the document says "Plătită cu cardul (NETOPIA) la …" (docs/payments.md)."""
    if invoice.kind != InvoiceKind.TAX:
        return None
    row = session.execute(
        select(Checkout.gateway, Payment.received_on).join(Checkout, Checkout.id == Payment.checkout_id)
        .where(Payment.tax_invoice_id == invoice.id, Payment.method == "card").order_by(Payment.id).limit(1)
    ).first()
    return (GATEWAY_NAMES.get(row.gateway, row.gateway), row.received_on) if row else None
