"""Fixtures of the security suite: two customers with real objects, a staff user, and logged-in clients."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from hostico.accounts.login_sessions import create as create_login_session
from hostico.billing.payments import record_payment
from hostico.models import Invoice, Order
from tests import factories
from tests.security.discover import Form, app_rules, build_url, role_of

# Who uses a route: an anonymous visitor, the logged-in customer Alice, or a staff user past 2FA.
ROLES = ("public", "customer", "staff")
FIXED_CSRF = "security-suite-raw-csrf-token"


@dataclass
class World:
    """Alice (the logged-in customer), Bob (another customer) and a staff user, each with objects."""

    alice: object
    bob: object
    staff: object
    alice_ids: dict
    bob_ids: dict
    session: object = None

    def refresh(self) -> None:
        """Reload the users (a fuzzed request may have changed them)."""
        if self.session is not None:
            self.session.rollback()
            for user in (self.alice, self.staff):
                self.session.refresh(user)


def _objects(make, session, settings, customer) -> dict:
    service = make.make_service(customer)
    profile = make.make_profile(customer)
    proforma = make.make_proforma(customer, service=service, profile=profile)
    paid = make.make_proforma(customer, service=service, profile=profile)
    payment = record_payment(session, paid.id, amount=paid.total, method="card", settings=settings,
                             today=dt.date.today(), reference="security-suite")
    order = Order(customer_id=customer.id, status="pending")
    session.add(order)
    checkout = factories.make_checkout(session, customer, [proforma])
    login_session, _raw = create_login_session(session, customer, user_agent="another browser")
    session.commit()

    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == paid.id))
    # Argument names used by routes, mapped to this customer's objects.
    return {"code": proforma.code, "number": proforma.code, "invoice_code": proforma.code,
            "invoice_id": proforma.id, "proforma_id": proforma.id, "service_id": service.id,
            "profile_id": profile.id, "billing_profile_id": profile.id, "order_id": order.id,
            "payment_id": payment.id, "customer_id": customer.id, "product_id": service.product_id,
            "tax_code": tax.code if tax else proforma.code, "reference": checkout.reference,
            "session_id": login_session.id}


@pytest.fixture
def world(make, session, settings) -> World:
    alice = make.make_customer(name="Alice Owner", phone_e164="+40722000001")
    bob = make.make_customer(name="Bob Other", phone_e164="+40722000002")
    staff = make.make_staff(role="admin")
    alice_ids = _objects(make, session, settings, alice)
    bob_ids = _objects(make, session, settings, bob)
    for ids in (alice_ids, bob_ids):
        ids.update(staff_id=staff.id, user_id=staff.id)
    return World(alice, bob, staff, alice_ids, bob_ids, session)


def signed_csrf(app) -> str:
    """Return the form token flask-wtf expects for a session holding FIXED_CSRF."""
    return URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(FIXED_CSRF)


def act_as(client, role: str, world: World) -> None:
    """Put the client in a fresh session of role (without requests, so it is cheap to repeat)."""
    from hostico.staff import STAFF_MFA_KEY

    if role != "public":
        world.refresh()
    raw = None
    if role in ("customer", "staff"):
        # A new server-side session each time: a fuzzed logout or password change may have ended the last one.
        raw = factories.open_session(world.session, world.alice if role == "customer" else world.staff)
        world.session.commit()
    with client.session_transaction() as sess:
        sess.clear()
        sess["csrf_token"] = FIXED_CSRF
        if role == "customer":
            sess["_user_id"], sess["_fresh"], sess["sid"] = world.alice.get_id(), True, raw
        elif role == "staff":
            sess["_user_id"], sess["_fresh"], sess["sid"] = world.staff.get_id(), True, raw
            sess[STAFF_MFA_KEY] = True


@pytest.fixture
def actors(app, world):
    """Return a function role -> a client logged in as that role (public: anonymous)."""
    def get(role: str):
        client = app.test_client()
        act_as(client, role, world)
        return client
    return get


def get_pages(app, role: str, world: World) -> list[str]:
    """URLs of every GET route a role uses, its arguments filled with the role's own objects."""
    urls = []
    for rule in app_rules(app, ("GET",)):
        if role_of(app, rule) != role:
            continue
        url = build_url(rule, world.alice_ids, fallback=None)
        if url is not None:
            urls.append(url)
    return sorted(set(urls))


def discover_forms(app, world: World, role: str) -> list[Form]:
    """GET every page a role can reach (plain and htmx) and return the distinct forms found on them."""
    from tests.security.discover import parse_forms

    client = app.test_client()
    seen: dict[tuple, Form] = {}
    for url in get_pages(app, role, world):
        for headers in ({}, {"HX-Request": "true"}):
            act_as(client, role, world)
            resp = client.get(url, headers=headers)
            if resp.status_code != 200 or not resp.mimetype.startswith("text/html"):
                continue
            for form in parse_forms(url, resp.get_data(as_text=True)):
                seen.setdefault((role,) + form.key, form)
    return list(seen.values())
