"""Helpers for the hosted-checkout tests: capture what the sandbox gateway would send, deliver it."""

from __future__ import annotations

import re

import pytest

HOSTED = re.compile(r"/sandbox-gateway/checkout/([^/?#]+)")


class SandboxOutbox:
    """The sandbox gateway's notifications, kept instead of posted from a thread, to deliver on demand."""

    def __init__(self, app):
        self.sent: list[tuple[str, bytes, dict, float]] = []
        app.extensions["sandbox_gateway.deliver"] = self.capture

    def capture(self, url, body, headers, delay=0.0):
        self.sent.append((url, body, headers, delay))

    def deliver(self, client, index: int = -1):
        """POST a captured notification to the app's endpoint, as the gateway's server would."""
        url, body, headers, _ = self.sent[index]
        path = url.split("://", 1)[-1].split("/", 1)[1]
        return client.post("/" + path, data=body, headers=headers)


@pytest.fixture
def sandbox(app) -> SandboxOutbox:
    return SandboxOutbox(app)


@pytest.fixture
def pay_with_card(client, sandbox):
    """Start a checkout for proformas and pick a test card on the sandbox page; returns the waiting page URL."""
    def do(codes: list[str], card: str = "4242424242424242"):
        if len(codes) == 1:
            resp = client.post_form(f"/invoices/{codes[0]}/pay", token_from="/invoices")
        else:
            resp = client.post_form("/invoices/pay", {"invoice": codes}, token_from="/invoices")
        assert resp.status_code == 303, resp.get_data(as_text=True)
        hosted = resp.headers["Location"]
        assert HOSTED.search(hosted), hosted
        page = client.post_form(hosted, {"card": card}, token_from=hosted)
        return hosted, page
    return do


@pytest.fixture
def open_checkout(client, session, make, login_as):
    """A new customer's proforma and the checkout "Pay by card" started for it at the configured gateway."""
    from sqlalchemy import select

    from hostico.models import Checkout

    def do(amount: str = "100.00"):
        customer = make.make_customer()
        proforma = make.make_proforma(customer, amount=amount)
        login_as(client, customer)
        resp = client.post_form(f"/invoices/{proforma.code}/pay", token_from="/invoices")
        assert resp.status_code == 303
        return proforma, session.scalars(select(Checkout).order_by(Checkout.id.desc()).limit(1)).one()
    return do


@pytest.fixture
def expire_later(app, session):
    """Run the worker's checkout-expiry pass as it would run `hours` from now (docs/payments.md)."""
    import datetime as dt

    from hostico.models import utcnow
    from hostico.payments.expiry import expire_checkouts
    from hostico.payments.gateways import get_gateway
    from hostico.web.app_settings import settings as app_settings

    def do(hours: float = 2):
        return expire_checkouts(session, lambda name: get_gateway(app_settings(app).payments, name),
                                app_settings(app).billing, now=utcnow() + dt.timedelta(hours=hours))
    return do
