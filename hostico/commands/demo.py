"""`demo seed`: the demo data of DESIGN 5 (idempotent: a second run changes nothing)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import click
import pyotp
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from hostico.auth.passwords import hash_password
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.billing.run import renewal_key
from hostico.billing.services import add_months, suspend_service
from hostico.billing.settings import BillingSettings
from hostico.db import db
from hostico.models import CYCLE_MONTHS, BillingProfile, Customer, Invoice, Price, Product, Service, StaffUser

DEMO_PASSWORD = "hostico-demo"
PLANS = [
    ("starter", "Starter", "1 site, 10 GB SSD, free SSL", {"monthly": "19.00", "annual": "190.00"}),
    ("business", "Business", "10 sites, 50 GB NVMe, daily backups", {"monthly": "49.00", "annual": "490.00"}),
    ("pro", "Pro", "Unlimited sites, 200 GB NVMe, priority support",
     {"monthly": "99.00", "quarterly": "285.00", "annual": "990.00"}),
]


demo_cli = AppGroup("demo", help="Demo data.")


@demo_cli.command("seed")
def seed_command() -> None:
    """Load the demo customers, staff, plans, services and invoices."""
    session = db.session
    settings = BillingSettings.from_config(current_app.config)
    existing = session.scalar(select(Customer).where(Customer.email == "client@example.com"))
    if existing is None:
        seed(session, settings, dt.date.today())
        session.commit()
        click.echo("Demo data loaded.")
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
    for code, name, description, prices in PLANS:
        product = Product(code=code, name=name, description=description)
        product.prices = [Price(cycle=c, amount=Decimal(a)) for c, a in prices.items()]
        session.add(product)
        products[code] = product
    session.flush()
    return products


def _service(session, customer, product, domain, cycle, due, status="active"):
    price = next(p.amount for p in product.prices if p.cycle == cycle)
    service = Service(customer_id=customer.id, product_id=product.id, domain=domain, cycle=cycle, price=price,
                      status=status, next_due_date=due)
    session.add(service)
    session.flush()
    return service


def _proforma(session, customer, service, settings, issued, origin, profile=None) -> Invoice:
    end = add_months(service.next_due_date, CYCLE_MONTHS[service.cycle])
    spec = LineSpec(description=f"{service.product.name} hosting — {service.domain} ({service.cycle})",
                    unit_price=service.price, service_id=service.id, period_start=service.next_due_date,
                    period_end=end - dt.timedelta(days=1))
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
    person = BillingProfile(customer_id=ana.id, kind="person", label="Personal", name="Ana Popescu",
                            cnp="2850315123457", address="Str. Memorandumului nr. 28, ap. 4", city="Cluj-Napoca",
                            county="Cluj", postal_code="400114", country="RO", is_default=True,
                            used_for_invoicing=True)
    company = BillingProfile(customer_id=ana.id, kind="company", label="Firma", company_name="Ștefănescu Web SRL",
                             cui="34567892", reg_com="J12/3456/2015", vat_number="RO34567892",
                             address="Bd. 21 Decembrie 1989 nr. 77", city="Cluj-Napoca", county="Cluj",
                             postal_code="400604", country="RO", used_for_invoicing=True)
    session.add_all([person, company])
    session.flush()

    # Active monthly service: paid order proforma (tax invoice), renewal proforma unpaid.
    site = _service(session, ana, products["starter"], "ana-popescu.ro", "monthly", today - dt.timedelta(days=20))
    first = _proforma(session, ana, site, settings, today - dt.timedelta(days=21), "order", person)
    record_payment(session, first.id, amount=first.total, method="card", settings=settings,
                   today=today - dt.timedelta(days=20), reference="demo-card")
    _proforma(session, ana, site, settings, today - dt.timedelta(days=2), "system", person)

    # Annual company service, paid, due next year.
    shop = _service(session, ana, products["business"], "magazin-stefanescu.ro", "annual",
                    today - dt.timedelta(days=40))
    paid = _proforma(session, ana, shop, settings, today - dt.timedelta(days=41), "order", company)
    record_payment(session, paid.id, amount=paid.total, method="bank_transfer", settings=settings,
                   today=today - dt.timedelta(days=40), reference="OP 1187")

    # Suspended for nonpayment: overdue renewal proforma.
    blog = _service(session, ana, products["starter"], "blog-ana.ro", "monthly", today - dt.timedelta(days=12))
    _proforma(session, ana, blog, settings, today - dt.timedelta(days=26), "system", person)
    suspend_service(session, blog, reason="nonpayment", note="Proforma overdue past the grace period")

    # The 2FA customer: one active service with an unpaid proforma.
    pro = _service(session, mihai, products["pro"], "ionescu-dev.ro", "quarterly", today + dt.timedelta(days=9))
    _proforma(session, mihai, pro, settings, today - dt.timedelta(days=5), "system")
    session.flush()
