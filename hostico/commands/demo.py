"""`demo seed`: the demo data the README lists (idempotent: a second run changes nothing)."""

from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import click
import pyotp
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from hostico.accounts.passwords import hash_password
from hostico.billing.descriptions import hosting_line
from hostico.billing.hosting_services import next_period_start, suspend_service
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.billing.run import renewal_key
from hostico.billing.settings import BillingSettings
from hostico.commands.demo_statement import write_demo_statement
from hostico.efactura.deadline import is_working_day
from hostico.models import (
    BillingProfile,
    Customer,
    ExchangeRate,
    ExchangeRateSync,
    Invoice,
    Price,
    Product,
    Service,
    StaffUser,
    utcnow,
)
from hostico.models.billing_profile import ProfileKind
from hostico.models.service import ServiceStatus, SuspensionReason
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db

DEMO_PASSWORD = "hostico-demo"
# The catalogue is the company's, written in Romanian (its customers' language); product names are brands.
PLANS = [
    ("starter", "Starter", "1 site, 10 GB SSD, SSL gratuit", {"monthly": "19.00", "annual": "190.00"}),
    ("business", "Business", "10 site-uri, 50 GB NVMe, backup zilnic", {"monthly": "49.00", "annual": "490.00"}),
    ("pro", "Pro", "Site-uri nelimitate, 200 GB NVMe, suport prioritar",
     {"monthly": "99.00", "quarterly": "285.00", "annual": "990.00"}),
    ("vps-eur", "Cloud VPS", "2 vCPU, 4 GB RAM, 80 GB NVMe (preț în EUR)",
     {"monthly": "19.00", "annual": "190.00"}, "EUR"),
]
# The seed works offline: instead of reading BNR it stores a reference rate (a plausible EUR rate) for
# every day BNR publishes one (working days: not weekends nor Romanian public holidays) over the demo's
# period, and a feed-read record, as if the worker had read the feed. Each document then uses the last
# rate BNR published before its day (art. 290 Cod fiscal), as it would in production.
DEMO_EUR_RATE = Decimal("5.0917")
DEMO_RATE_DAYS = 60


demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Load the demo customers, staff, plans, services and invoices."""
    session = db.session
    settings = app_settings().billing
    existing = session.scalar(select(Customer).where(Customer.email == "client@example.com"))
    if existing is None:
        today = dt.date.today()
        seed(session, settings, today)
        session.commit()
        click.echo("Demo data loaded.")
        path = write_demo_statement(current_app.instance_path, today)
        click.echo(f"  a bank statement that pays HPF-000004: {os.path.relpath(path)} "
                   "(docs/payments.md, Bank statements)")
    else:
        click.echo("Demo data already present; nothing changed.")
    two_fa = session.scalar(select(Customer).where(Customer.email == "client2fa@example.com"))
    staff = session.scalar(select(StaffUser).where(StaffUser.email == "admin@example.com"))
    click.echo(f"  customer  client@example.com     password {DEMO_PASSWORD}")
    click.echo(f"  customer  client2fa@example.com  password {DEMO_PASSWORD}  TOTP secret {two_fa.totp_secret}")
    line = f"  staff     admin@example.com      password {DEMO_PASSWORD}"
    if staff.totp_secret:
        line += f"  TOTP secret {staff.totp_secret}"
    click.echo(line)


def _plans(session) -> dict[str, Product]:
    products = {}
    for code, name, description, prices, *currency in PLANS:
        product = Product(code=code, name=name, description=description)
        product.prices = [Price(cycle=c, amount=Decimal(a), currency=(currency or ["RON"])[0])
                          for c, a in prices.items()]
        session.add(product)
        products[code] = product
    session.flush()
    return products


def _service(session, customer, product, domain, cycle, due, status=ServiceStatus.ACTIVE):
    price = next(p for p in product.prices if p.cycle == cycle)
    service = Service(customer_id=customer.id, product_id=product.id, domain=domain, cycle=cycle, price=price.amount,
                      currency=price.currency, status=status, next_due_date=due)
    session.add(service)
    session.flush()
    return service


def _proforma(session, customer, service, settings, issued, origin, profile=None) -> Invoice:
    end = next_period_start(service)
    spec = LineSpec(description=hosting_line(service.product.name, service.domain, service.cycle, customer.language),
                    unit_price=service.price, currency=service.currency, service_id=service.id,
                    period_start=service.next_due_date, period_end=end - dt.timedelta(days=1))
    # A system proforma is the renewal the billing run would issue: same key, so the run does not repeat it.
    key = renewal_key(service.id, service.next_due_date) if origin == "system" else None
    return create_proforma(session, customer, [spec], origin=origin, settings=settings, today=issued,
                           profile=profile, renewal_key=key)


def seed(session, settings: BillingSettings, today: dt.date) -> None:
    """Create the demo data as of `today`."""
    products = _plans(session)
    pw = hash_password(DEMO_PASSWORD)
    ana = Customer(email="client@example.com", password_hash=pw, name="Ana Popescu", phone_e164="+40722123456")
    mihai = Customer(email="client2fa@example.com", password_hash=pw, name="Mihai Ionescu", language="en",
                     totp_secret=pyotp.random_base32(), totp_enabled=True)
    session.add_all([ana, mihai, StaffUser(email="admin@example.com", password_hash=pw, name="Admin Hostico",
                                           role="admin", totp_secret=pyotp.random_base32(), totp_enabled=True)])
    session.flush()
    person = BillingProfile(customer_id=ana.id, kind=ProfileKind.PERSON, label="Personal", name="Ana Popescu",
                            cnp="2850315123457", address="Str. Memorandumului nr. 28, ap. 4", city="Cluj-Napoca",
                            county="RO-CJ", postal_code="400114", country="RO", is_default=True,
                            used_for_invoicing=True)
    company = BillingProfile(customer_id=ana.id, kind=ProfileKind.COMPANY, label="Firma",
                             company_name="Ștefănescu Web SRL",
                             cui="34567892", reg_com="J12/3456/2015", vat_number="RO34567892",
                             address="Bd. 21 Decembrie 1989 nr. 77", city="Cluj-Napoca", county="RO-CJ",
                             postal_code="400604", country="RO", used_for_invoicing=True)
    # Every customer who gets invoices has complete billing data (docs/fiscal.md: name and full address).
    mihai_profile = BillingProfile(customer_id=mihai.id, kind=ProfileKind.PERSON, name="Mihai Ionescu",
                                   address="Str. Republicii nr. 10", city="Brașov", county="RO-BV",
                                   postal_code="500030", country="RO", is_default=True, used_for_invoicing=True)
    session.add_all([person, company, mihai_profile])
    session.flush()

    published = [day for day in (today - dt.timedelta(days=n) for n in range(DEMO_RATE_DAYS, 0, -1))
                 if is_working_day(day)]
    session.add_all([ExchangeRate(day=day, currency="EUR", rate=DEMO_EUR_RATE, multiplier=1) for day in published])
    session.add(ExchangeRateSync(fetched_at=utcnow(), latest_day=published[-1]))
    session.flush()

    # Documents are issued in date order (a series' dates never go backwards).
    # Annual company service, paid by bank transfer, due next year.
    shop = _service(session, ana, products["business"], "magazin-stefanescu.ro", "annual",
                    today - dt.timedelta(days=40))
    paid = _proforma(session, ana, shop, settings, today - dt.timedelta(days=41), "order", company)
    record_payment(session, paid.id, amount=paid.total, method="bank_transfer", settings=settings,
                   today=today - dt.timedelta(days=40), received_on=today - dt.timedelta(days=41),
                   reference="OP 1187")

    # An EUR-priced plan billed in lei at the BNR rate, paid by card: its tax invoice shows the rate.
    vps = _service(session, ana, products["vps-eur"], "vps.ana-popescu.ro", "monthly", today - dt.timedelta(days=30))
    vps_proforma = _proforma(session, ana, vps, settings, today - dt.timedelta(days=31), "order", person)
    record_payment(session, vps_proforma.id, amount=vps_proforma.total, method="card", settings=settings,
                   today=today - dt.timedelta(days=30), reference="demo-card-eur")

    # Active monthly service: paid order proforma (tax invoice), renewal proforma unpaid.
    site = _service(session, ana, products["starter"], "ana-popescu.ro", "monthly", today - dt.timedelta(days=27))
    first = _proforma(session, ana, site, settings, today - dt.timedelta(days=28), "order", person)
    record_payment(session, first.id, amount=first.total, method="card", settings=settings,
                   today=today - dt.timedelta(days=27), reference="demo-card")

    # Suspended for nonpayment: overdue renewal proforma (HPF-000004, named by deploy/samples' statement).
    blog = _service(session, ana, products["starter"], "blog-ana.ro", "monthly", today - dt.timedelta(days=12))
    _proforma(session, ana, blog, settings, today - dt.timedelta(days=26), "system", person)
    suspend_service(session, blog, reason=SuspensionReason.NONPAYMENT, note="Proforma overdue past the grace period")

    # The 2FA customer: one active service with an unpaid proforma.
    pro = _service(session, mihai, products["pro"], "ionescu-dev.ro", "quarterly", today + dt.timedelta(days=9))
    _proforma(session, mihai, pro, settings, today - dt.timedelta(days=5), "system")

    _proforma(session, ana, site, settings, today - dt.timedelta(days=2), "system", person)
    # The EUR plan's renewal, unpaid: its lei amount is fixed at the BNR rate, and paying it by card issues a tax
    # invoice in lei that shows the conversion ("19,00 EUR × 5,0917 = 96,74 lei", docs/fiscal.md).
    _proforma(session, ana, vps, settings, today - dt.timedelta(days=1), "system", person)
    session.flush()
