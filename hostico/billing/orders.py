"""Orders: a customer picks a plan, a billing cycle and a domain; we create the service and its proforma."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.descriptions import hosting_line
from hostico.billing.errors import BillingError
from hostico.billing.hosting_services import add_months
from hostico.billing.invoicing import LineSpec, add_event, create_proforma
from hostico.billing.queries import open_order, unpaid_proforma
from hostico.billing.settings import BillingSettings
from hostico.db import for_update
from hostico.errors import N_
from hostico.models import (
    CYCLE_MONTHS,
    BillingProfile,
    Checkout,
    CheckoutItem,
    Customer,
    Invoice,
    InvoiceLine,
    Order,
    OutboxMessage,
    Price,
    Product,
    Service,
    utcnow,
)
from hostico.models.checkout import CheckoutStatus
from hostico.models.invoice import InvoiceOrigin, InvoiceStatus
from hostico.models.outbox import OutboxStatus
from hostico.models.service import OrderStatus, ServiceStatus
from hostico.notify.events import notify

# A registrable host name: labels of letters, digits and inner hyphens, a TLD of letters (or an
# IDNA "xn--" TLD). Unicode names are accepted after IDNA encoding.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = re.compile(rf"^(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$")


class OrderRefused(BillingError):
    """The order cannot be placed; the message says why and is safe to show."""

    def __init__(self, message: str, field: str | None = None, **params: object) -> None:
        super().__init__(message, code=f"order_{field or 'refused'}", field=field, **params)


def normalise_domain(raw: str) -> str:
    """Return the domain lower-cased and IDNA-encoded, or raise OrderRefused.

    A pasted address gives its domain: 'https://www.Magazinul-Nou.ro/' -> 'magazinul-nou.ro' (docs/billing.md)."""
    text = (raw or "").strip()
    if "://" in text:
        try:
            text = urlsplit(text).hostname or ""
        except ValueError:
            raise OrderRefused(N_("This is not a valid domain name."), "domain") from None
    elif "/" in text:
        text = text.split("/", 1)[0]
    domain = text.lower().rstrip(".")
    if not domain or "/" in domain:
        raise OrderRefused(N_("Enter only the domain name, e.g. example.ro."), "domain")
    if domain.startswith("www."):
        domain = domain[4:]
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        raise OrderRefused(N_("This is not a valid domain name."), "domain") from None
    if len(domain) > 253 or not DOMAIN_RE.match(domain):
        raise OrderRefused(N_("This is not a valid domain name."), "domain")
    return domain


def price_for(product: Product, cycle: str) -> Price:
    """Return the product's price for the cycle, or raise OrderRefused."""
    prices: list[Price] = product.prices
    for price in prices:
        if price.cycle == cycle:
            return price
    raise OrderRefused(N_("This plan is not sold with that billing cycle."), "cycle")


def _lock_customer(session: Session, customer_id: int) -> None:
    """Hold the customer's row (PostgreSQL) or the write lock (SQLite) so two orders at once count in turn."""
    session.execute(for_update(session, select(Customer.id).where(Customer.id == customer_id),
                               write_lock=(Customer.name, [customer_id])))


def open_orders(session: Session, customer_id: int) -> int:
    """How many of the customer's orders wait for payment."""
    return session.scalar(select(func.count()).select_from(Order).where(Order.customer_id == customer_id,
                                                                         open_order())) or 0


def _check_open_orders(session: Session, customer: Customer, settings: BillingSettings) -> None:
    """Refuse an order beyond HOSTICO_MAX_OPEN_ORDERS unpaid ones (docs/billing.md, Orders: no squatting on domains)."""
    if settings.max_open_orders <= 0:
        return
    _lock_customer(session, customer.id)
    count = open_orders(session, customer.id)
    if count >= settings.max_open_orders:
        raise OrderRefused(N_("You already have %(count)s unpaid orders, the most we accept at once. Pay their "
                              "proformas, or wait until an unpaid order expires (after %(days)s days)."),
                           "product", count=count, days=settings.order_expiry_days)


def check_order(product: Product, cycle: str, domain: str) -> str:
    """Check what an order needs before anything is saved (a plan on sale, its cycle, a valid domain); return the
    domain normalised. Raises OrderRefused."""
    if not product.active:
        raise OrderRefused(N_("This plan is no longer sold."), "product")
    if cycle not in CYCLE_MONTHS:
        raise OrderRefused(N_("Choose a billing cycle."), "cycle")
    price_for(product, cycle)
    return normalise_domain(domain)


def place_order(
    session: Session,
    customer: Customer,
    product: Product,
    cycle: str,
    domain: str,
    settings: BillingSettings,
    today: dt.date,
    profile: BillingProfile | None = None,
) -> tuple[Order, Invoice]:
    """Create the order, its pending service and a proforma of origin `order` (email, never SMS)."""
    domain = check_order(product, cycle, domain)
    price = price_for(product, cycle)
    taken = session.scalar(select(func.count()).select_from(Service).where(
        Service.domain == domain,
        Service.status.in_((ServiceStatus.PENDING, ServiceStatus.ACTIVE, ServiceStatus.SUSPENDED))))
    if taken:
        raise OrderRefused(N_("This domain is already hosted with us."), "domain")
    if profile is not None and (profile.customer_id != customer.id or profile.deleted_at is not None):
        raise OrderRefused(N_("Choose one of your billing profiles."), "profile")
    _check_open_orders(session, customer, settings)

    order = Order(customer_id=customer.id, status=OrderStatus.PENDING)
    session.add(order)
    session.flush()
    service = Service(customer_id=customer.id, product_id=product.id, order_id=order.id, domain=domain,
                      cycle=cycle, price=price.amount, currency=price.currency, status=ServiceStatus.PENDING,
                      next_due_date=today)
    session.add(service)
    session.flush()
    end = add_months(today, CYCLE_MONTHS[cycle]) - dt.timedelta(days=1)
    spec = LineSpec(description=hosting_line(product.name, domain, cycle, customer.language), unit_price=price.amount,
                    currency=price.currency, service_id=service.id, period_start=today, period_end=end)
    proforma = create_proforma(session, customer, [spec], origin=InvoiceOrigin.ORDER, settings=settings, today=today,
                               profile=profile, actor_kind="customer", actor_id=customer.id)
    notify(session, "proforma_order", customer, invoice=proforma, sms_hours=settings.sms_hours,
           timezone=settings.timezone, context={"domain": domain, "plan": product.name, "cycle": cycle})
    record(session, "order.placed", actor_kind="customer", actor_id=customer.id, obj=order,
           customer_id=customer.id,
           data={"service": service.id, "domain": domain, "plan": product.code, "cycle": cycle,
                 "proforma": proforma.code})
    return order, proforma


def expiry_cutoff(settings: BillingSettings, today: dt.date) -> dt.datetime:
    """Orders placed before this instant (UTC) have been unpaid for more than ORDER_EXPIRY_DAYS days."""
    zone = ZoneInfo(settings.timezone)
    start = dt.datetime.combine(today - dt.timedelta(days=settings.order_expiry_days), dt.time(), zone)
    return start.astimezone(dt.UTC)


def order_expires_at(settings: BillingSettings, placed: dt.datetime) -> dt.datetime:
    """The instant (UTC) from which an order placed at `placed` is unpaid for too long (the first billing run
    after it cancels the order): the start of the day ORDER_EXPIRY_DAYS + 1 days after it was placed."""
    zone = ZoneInfo(settings.timezone)
    day = placed.astimezone(zone).date() + dt.timedelta(days=settings.order_expiry_days + 1)
    return dt.datetime.combine(day, dt.time(), zone).astimezone(dt.UTC)


def _card_payment_open(session: Session, order: Order, proformas: list[Invoice], settings: BillingSettings,
                       now: dt.datetime) -> bool:
    """Whether a card payment of the order's proformas may still be made on a gateway's page: a pending checkout
    whose session has not ended (`expires_at`), started before the order was due to expire. An expired, failed or
    abandoned checkout holds nothing, and a payment page opened once the order's time was up keeps it no longer
    (docs/billing.md, Orders): else one click a day would keep a domain for ever."""
    if not proformas:
        return False
    return bool(session.scalar(
        select(func.count()).select_from(Checkout).join(CheckoutItem, CheckoutItem.checkout_id == Checkout.id)
        .where(CheckoutItem.invoice_id.in_([p.id for p in proformas]), Checkout.status == CheckoutStatus.PENDING,
               Checkout.expires_at > now, Checkout.created_at < order_expires_at(settings, order.created_at))))


def _order_documents(session: Session, order: Order) -> tuple[list[Service], list[Invoice]]:
    """The order's services and its unpaid proformas (locked on PostgreSQL) that bill nothing else."""
    services = list(session.scalars(select(Service).where(Service.order_id == order.id).order_by(Service.id)
                                    .execution_options(populate_existing=True)))
    service_ids = {s.id for s in services}
    stmt = (select(Invoice).where(
        Invoice.id.in_(select(InvoiceLine.invoice_id).where(InvoiceLine.service_id.in_(service_ids))),
        unpaid_proforma()).order_by(Invoice.id)
        .execution_options(populate_existing=True))
    proformas = [p for p in session.scalars(for_update(session, stmt, of=Invoice))
                 if all(line.service_id in service_ids for line in p.lines)]
    return services, proformas


def _cancel_order(session: Session, order: Order, services: list[Service], proformas: list[Invoice], *, code: str,
                  params: dict[str, Any], now: dt.datetime) -> list[str]:
    """Cancel the order, its unpaid proformas (an event `code` in their history), its pending services and the
    notices still waiting for those proformas; return the domains freed."""
    for proforma in proformas:
        proforma.status, proforma.cancelled_at = InvoiceStatus.CANCELLED, now
        add_event(session, proforma, "cancelled", code=code, params=params)
    if proformas:
        session.execute(update(OutboxMessage)
                        .where(OutboxMessage.invoice_id.in_([p.id for p in proformas]),
                               OutboxMessage.status == OutboxStatus.PENDING)
                        .values(status=OutboxStatus.CANCELLED, last_error=code.replace("_", " ")))
    domains = []
    for service in services:
        if service.status == ServiceStatus.PENDING:
            service.status = ServiceStatus.CANCELLED
            domains.append(service.domain)
    order.status = OrderStatus.CANCELLED
    session.flush()
    return domains


def cancel_open_orders(session: Session, customer_id: int, *, now: dt.datetime | None = None) -> int:
    """Cancel every unpaid order of a customer who closes the account (docs/accounts.md): its unpaid proformas
    (history: "account closed"), pending services and waiting notices; no email. Return how many."""
    now = now or utcnow()
    orders = list(session.scalars(select(Order).where(Order.customer_id == customer_id,
                                                      Order.status == OrderStatus.PENDING)
                                  .order_by(Order.id)))
    for order in orders:
        services, proformas = _order_documents(session, order)
        _cancel_order(session, order, services, proformas, code="account_closed", params={}, now=now)
    return len(orders)


def expire_order(session: Session, order_id: int, settings: BillingSettings, *,
                 now: dt.datetime | None = None) -> bool:
    """Cancel an unpaid order: its unpaid proformas (history), pending services (the domain is free again),
    notices still waiting; email the customer. The caller holds the lock that payments take (the billing
    run's batch lock; PostgreSQL: the proformas' rows are locked here). Returns False when the order was
    paid or cancelled meanwhile, or a card payment of it may still be made (`_card_payment_open`)."""
    now = now or utcnow()
    order = session.get(Order, order_id, populate_existing=True)
    if order is None or order.status != OrderStatus.PENDING:
        return False
    services, proformas = _order_documents(session, order)
    if _card_payment_open(session, order, proformas, settings, now):
        return False
    days = settings.order_expiry_days
    domains = _cancel_order(session, order, services, proformas, code="order_expired", params={"days": days},
                            now=now)
    customer = session.get_one(Customer, order.customer_id)
    notify(session, "order_expired", customer, invoice=proformas[0] if proformas else None, key=str(order.id),
           context={"domains": domains, "days": days, "proformas": [p.code for p in proformas]},
           sms_hours=settings.sms_hours, timezone=settings.timezone, now=now)
    record(session, "order.expired", obj=order, customer_id=order.customer_id,
           data={"days": days, "domains": domains, "proformas": [p.code for p in proformas]})
    return True


def place_waiting_order(session: Session, customer: Customer, waiting: dict[str, object], settings: BillingSettings,
                        today: dt.date, *, ip: str | None = None) -> tuple[Order, Invoice]:
    """Place the order a visitor chose before their account existed (docs/accounts.md, "Ordering as a visitor"):
    the billing data typed then becomes the customer's default profile, then the order as `place_order`.

    `waiting` is what the sign-up kept: product id, cycle, domain and the validated buyer data. Raises OrderRefused
    (the plan is gone, the domain was taken meanwhile, ...) or IncompleteBuyer; the caller rolls back its savepoint.
    """
    from hostico.billing.buyers.lifecycle import create_profile  # the buyer lifecycle imports billing's helpers

    product = session.get(Product, int(waiting.get("product_id") or 0))  # type: ignore[call-overload]
    if product is None:
        raise OrderRefused(N_("This plan is no longer sold."), "product")
    buyer = waiting.get("buyer")
    profile = None
    if isinstance(buyer, dict):
        profile = create_profile(session, customer.id, buyer, settings, default="always", ip=ip, via="order")
    return place_order(session, customer, product, str(waiting.get("cycle") or ""), str(waiting.get("domain") or ""),
                       settings, today, profile=profile)
