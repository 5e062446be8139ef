"""Orders: a customer picks a plan, a billing cycle and a domain; we create the service and its proforma."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.descriptions import hosting_line
from hostico.billing.errors import BillingError
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.services import add_months
from hostico.billing.settings import BillingSettings
from hostico.errors import N_
from hostico.models import CYCLE_MONTHS, BillingProfile, Customer, Invoice, Order, Price, Product, Service
from hostico.notify.events import notify

# A registrable host name: labels of letters, digits and inner hyphens, a TLD of letters (or an
# IDNA "xn--" TLD). Unicode names are accepted after IDNA encoding.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
DOMAIN_RE = re.compile(rf"^(?:{_LABEL}\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$")


class OrderRefused(BillingError):
    """The order cannot be placed; the message says why and is safe to show."""

    def __init__(self, message: str, field: str | None = None, **params) -> None:
        super().__init__(message, code=f"order_{field or 'refused'}", field=field, **params)


def normalise_domain(raw: str) -> str:
    """Return the domain lower-cased and IDNA-encoded, or raise OrderRefused."""
    domain = (raw or "").strip().lower().rstrip(".")
    if domain.startswith(("http://", "https://")) or "/" in domain:
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
    for price in product.prices:
        if price.cycle == cycle:
            return price
    raise OrderRefused(N_("This plan is not sold with that billing cycle."), "cycle")


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
    if not product.active:
        raise OrderRefused(N_("This plan is no longer sold."), "product")
    if cycle not in CYCLE_MONTHS:
        raise OrderRefused(N_("Choose a billing cycle."), "cycle")
    price = price_for(product, cycle)
    domain = normalise_domain(domain)
    taken = session.scalar(select(func.count()).select_from(Service).where(
        Service.domain == domain, Service.status.in_(("pending", "active", "suspended"))))
    if taken:
        raise OrderRefused(N_("This domain is already hosted with us."), "domain")
    if profile is not None and (profile.customer_id != customer.id or profile.deleted_at is not None):
        raise OrderRefused(N_("Choose one of your billing profiles."), "profile")

    order = Order(customer_id=customer.id, status="pending")
    session.add(order)
    session.flush()
    service = Service(customer_id=customer.id, product_id=product.id, order_id=order.id, domain=domain,
                      cycle=cycle, price=price.amount, currency=price.currency, status="pending",
                      next_due_date=today)
    session.add(service)
    session.flush()
    end = add_months(today, CYCLE_MONTHS[cycle]) - dt.timedelta(days=1)
    spec = LineSpec(description=hosting_line(product.name, domain, cycle, customer.language), unit_price=price.amount,
                    currency=price.currency, service_id=service.id, period_start=today, period_end=end)
    proforma = create_proforma(session, customer, [spec], origin="order", settings=settings, today=today,
                               profile=profile, actor_kind="customer", actor_id=customer.id)
    notify(session, "proforma_order", customer, invoice=proforma, sms_hours=settings.sms_hours,
           timezone=settings.timezone, context={"domain": domain, "plan": product.name, "cycle": cycle})
    record(session, "order.placed", actor_kind="customer", actor_id=customer.id, obj=order,
           customer_id=customer.id,
           data={"service": service.id, "domain": domain, "plan": product.code, "cycle": cycle,
                 "proforma": proforma.code})
    return order, proforma
