"""Test data factories: plain functions on a session, exposed as fixtures in conftest."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from hostico.accounts.passwords import hash_password
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.settings import BillingSettings
from hostico.models import BillingProfile, Customer, Price, Product, Service, StaffUser

PASSWORD = "correct horse battery"
_seq = itertools.count(1)
_hash_cache: dict[str, str] = {}


def _hash(password: str) -> str:
    if password not in _hash_cache:
        _hash_cache[password] = hash_password(password)
    return _hash_cache[password]


def make_customer(session, *, email=None, password=PASSWORD, name=None, billing=True, **kw) -> Customer:
    """A customer; with `billing` (the default) a complete default billing profile for a person in Romania,
    since no invoice is issued without the buyer's name and address (docs/fiscal.md). billing=False: none."""
    n = next(_seq)
    kw.setdefault("language", "en")  # the suite asserts English text; Romanian tests pass language="ro"
    customer = Customer(email=email or f"customer{n}@example.com", password_hash=_hash(password),
                        name=name or f"Customer {n}", **kw)
    session.add(customer)
    session.flush()
    if billing:
        make_profile(session, customer, cnp=None, is_default=True)
    return customer


def make_staff(session, *, email=None, role="admin", password=PASSWORD, **kw) -> StaffUser:
    n = next(_seq)
    kw.setdefault("name", f"Staff {n}")
    staff = StaffUser(email=email or f"staff{n}@example.com", password_hash=_hash(password), role=role, **kw)
    session.add(staff)
    session.flush()
    return staff


def make_profile(session, customer, *, kind="person", **kw) -> BillingProfile:
    data = dict(address="Str. Lungă nr. 5", city="Brașov", county="Brașov", postal_code="500001", country="RO")
    if kind == "person":
        data.update(name=customer.name, cnp="2850315123457")
    else:
        data.update(company_name="Exemplu SRL", cui="34567892", reg_com="J08/123/2010")
    data.update(kw)
    profile = BillingProfile(customer_id=customer.id, kind=kind, **data)
    session.add(profile)
    session.flush()
    return profile


def make_product(session, *, code=None, monthly="10.00", annual="100.00") -> Product:
    n = next(_seq)
    product = Product(code=code or f"plan{n}", name=f"Plan {n}", description="test plan")
    product.prices = [Price(cycle="monthly", amount=Decimal(monthly)), Price(cycle="annual", amount=Decimal(annual))]
    session.add(product)
    session.flush()
    return product


def make_service(session, customer, *, product=None, domain=None, cycle="monthly", price="10.00",
                 status="active", next_due_date=None, **kw) -> Service:
    product = product or make_product(session)
    n = next(_seq)
    service = Service(customer_id=customer.id, product_id=product.id, domain=domain or f"site{n}.ro", cycle=cycle,
                      price=Decimal(price), status=status,
                      next_due_date=next_due_date or dt.date.today() + dt.timedelta(days=30), **kw)
    session.add(service)
    session.flush()
    return service


def make_proforma(session, customer, *, settings: BillingSettings | None = None, service=None, amount="100.00",
                  origin="system", profile=None, today=None, description="Hosting"):
    settings = settings or BillingSettings()
    spec = LineSpec(description=description, unit_price=Decimal(amount), service_id=service.id if service else None)
    return create_proforma(session, customer, [spec], origin=origin, settings=settings,
                           today=today or dt.date.today(), profile=profile)


def make_checkout(session, customer, proformas, *, gateway="sandbox", status="pending", transaction_id=None):
    """A hosted checkout for the customer's proformas (as "Pay" would start it)."""
    from hostico.models import Checkout, CheckoutItem
    from hostico.payments.checkout import new_reference

    checkout = Checkout(reference=new_reference(), customer_id=customer.id, gateway=gateway, status=status,
                        amount=sum((p.total for p in proformas), Decimal("0")), currency=proformas[0].currency,
                        provider_id=None, transaction_id=transaction_id)
    checkout.items = [CheckoutItem(invoice_id=p.id, amount=p.total) for p in proformas]
    session.add(checkout)
    session.flush()
    return checkout


def open_session(session, user, *, fresh=True, mail_link_id=None, user_agent="pytest") -> str:
    """Open a server-side login session for user; return the raw id to put in the cookie session ("sid")."""
    from hostico.accounts.login_sessions import create

    _record, raw = create(session, user, fresh=fresh, mail_link_id=mail_link_id, user_agent=user_agent,
                          ip="127.0.0.1")
    return raw


def give_session(client, session, user, *, fresh=True, mail_link_id=None, **extra) -> str:
    """Put client in a logged-in session of user (a server record and its cookie) without the login form;
    commit so requests see the record. Returns the raw session id."""
    raw = open_session(session, user, fresh=fresh, mail_link_id=mail_link_id)
    session.commit()
    with client.session_transaction() as sess:
        sess.clear()
        sess.update({"_user_id": user.get_id(), "_fresh": fresh, "sid": raw, **extra})
    return raw


def vies_answer(vat_number: str, status: str = "valid", *, name: str = "Example Business",
                request_id: str = "WAPIAAAAZ0000000042") -> dict:
    """VIES's answer about a VAT number as the billing data keeps it (billing.vies.ViesAnswer.snapshot())."""
    return {"vat_number": vat_number, "status": status, "valid": {"valid": True, "invalid": False}.get(status),
            "name": name if status == "valid" else None, "address": None,
            "request_id": request_id if status != "pending" else None, "request_date": None,
            "checked_at": "2026-05-30T10:00:00+00:00", "error": "MS_UNAVAILABLE" if status == "pending" else None}
