"""The Stripe adapter against a local fake of Stripe's API, and the app paying through it."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hostico.models import AuditLog, Checkout, Invoice, Payment
from hostico.payments.errors import GatewayUnavailable, NotificationRejected, RefundRefused
from hostico.payments.gateways import CheckoutStart, GatewayConfig, get_gateway
from hostico.payments.gateways.base import EXPIRED, PAID
from hostico.web.app_settings import settings as app_settings
from tests.fakes.gateways import FakeStripe


@pytest.fixture
def fake_stripe():
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def test_config(test_config, fake_stripe):
    return dict(test_config, PAYMENT_GATEWAY="stripe", STRIPE_API_URL=fake_stripe.url, PAYMENT_TIMEOUT=2,
                STRIPE_SECRET_KEY=FakeStripe.SECRET_KEY, STRIPE_WEBHOOK_SECRET=FakeStripe.WEBHOOK_SECRET)


def _start(reference="chk_test", amount="121.00", lines=None):
    return CheckoutStart(reference=reference, amount=Decimal(amount), currency="RON", description="Hostico proforma",
                         email="ana@example.com", customer_name="Ana Pop", return_url="http://localhost/checkout/x",
                         cancel_url="http://localhost/checkout/x?cancelled=1",
                         notify_url="http://localhost/hooks/stripe",
                         lines=lines or (("HPF-000001", Decimal(amount)),))


def test_start_creates_a_checkout_session_with_one_line_per_proforma(app, fake_stripe):
    gateway = get_gateway(app_settings(app).payments)
    started = gateway.start_checkout(_start(amount="181.50", lines=(("HPF-000001", Decimal("121.00")),
                                                                     ("HPF-000002", Decimal("60.50")))))
    assert started.redirect_url.startswith("https://checkout.stripe.com/") and started.provider_id.startswith("cs_")
    method, path, headers, form = fake_stripe.requests[-1]
    assert (method, path) == ("POST", "/v1/checkout/sessions")
    assert headers["Idempotency-Key"] == "checkout-chk_test"
    assert form["line_items"]["1"]["price_data"] == {"currency": "ron", "unit_amount": "6050",
                                                      "product_data": {"name": "HPF-000002"}}
    assert form["client_reference_id"] == "chk_test" and form["mode"] == "payment"


@pytest.mark.slow
def test_start_errors_become_gateway_unavailable(app, fake_stripe):
    gateway = get_gateway(app_settings(app).payments)
    with pytest.raises(GatewayUnavailable) as err:
        gateway.start_checkout(_start(amount="0.10"))
    assert err.value.code == "amount_too_small"
    fake_stripe.fail_next = (500, {"error": {"type": "api_error", "message": "Something went wrong"}})
    with pytest.raises(GatewayUnavailable):
        gateway.start_checkout(_start())
    bad_key = get_gateway(GatewayConfig.from_config(dict(app.config, STRIPE_SECRET_KEY="sk_test_wrong")))
    with pytest.raises(GatewayUnavailable):
        bad_key.start_checkout(_start())
    fake_stripe.delay = 3  # longer than PAYMENT_TIMEOUT
    with pytest.raises(GatewayUnavailable):
        gateway.start_checkout(_start(reference="chk_slow"))


def test_webhook_signature_is_verified_by_the_library(app, fake_stripe):
    gateway = get_gateway(app_settings(app).payments)
    started = gateway.start_checkout(_start())
    body, headers = fake_stripe.complete(started.provider_id)
    note = gateway.parse_notification(headers, body)
    assert (note.reference, note.status, note.amount, note.currency) == ("chk_test", PAID, Decimal("121.00"), "RON")
    assert note.transaction_id.startswith("pi_test_")
    forged, forged_headers = fake_stripe.complete(started.provider_id, secret="whsec_other")
    stale, stale_headers = fake_stripe.complete(started.provider_id, timestamp=int(time.time()) - 3600)
    for b, h in ((forged, forged_headers), (stale, stale_headers), (body + b" ", headers), (body, {})):
        with pytest.raises(NotificationRejected):
            gateway.parse_notification(h, b)
    expired_body, expired_headers = fake_stripe.complete(gateway.start_checkout(_start("chk_2")).provider_id,
                                                         event_type="checkout.session.expired")
    assert gateway.parse_notification(expired_headers, expired_body).status == EXPIRED


def test_status_query_and_refunds(app, fake_stripe):
    gateway = get_gateway(app_settings(app).payments)
    started = gateway.start_checkout(_start())
    assert gateway.query_status("chk_test", started.provider_id).status == "pending"
    fake_stripe.complete(started.provider_id)
    paid = gateway.query_status("chk_test", started.provider_id)
    assert paid.status == PAID and paid.amount == Decimal("121.00")
    refund = gateway.refund(transaction_id=paid.transaction_id, amount=Decimal("21.00"), currency="RON",
                            idempotency_key="refund:1:0")
    assert refund.refund_id.startswith("re_test_")
    assert fake_stripe.requests[-1][3]["amount"] == "2100"
    with pytest.raises(RefundRefused) as err:
        gateway.refund(transaction_id=paid.transaction_id, amount=Decimal("100.01"), currency="RON",
                       idempotency_key="refund:1:1")
    assert err.value.code == "charge_already_refunded"
    with pytest.raises(RefundRefused):
        gateway.refund(transaction_id="pi_unknown", amount=Decimal("1"), currency="RON", idempotency_key="r:2")


def test_the_app_pays_through_stripe_checkout_only_on_the_signed_webhook(client, session, make, login_as,
                                                                         fake_stripe):
    customer = make.make_customer()
    first, second = make.make_proforma(customer, amount="100.00"), make.make_proforma(customer, amount="50.00")
    login_as(client, customer)
    resp = client.post_form("/invoices/pay", {"invoice": [first.code, second.code]}, token_from="/invoices")
    assert resp.status_code == 303 and resp.headers["Location"].startswith("https://checkout.stripe.com/")
    checkout = session.scalars(select(Checkout)).one()
    assert checkout.gateway == "stripe" and checkout.amount == Decimal("181.50")
    assert client.post("/hooks/payments", data=b"{}").status_code == 404  # the sandbox is off

    body, headers = fake_stripe.complete(checkout.provider_id)
    wrong, wrong_headers = fake_stripe.complete(checkout.provider_id, amount_total=100)
    assert client.post("/hooks/stripe", data=wrong, headers=wrong_headers).status_code == 400
    assert client.post("/hooks/stripe", data=body, headers={"Stripe-Signature": "t=1,v1=00"}).status_code == 400
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
    for _ in range(2):
        assert client.post("/hooks/stripe", data=body, headers=headers).status_code == 200
    session.expire_all()
    assert [i.status for i in session.scalars(select(Invoice).where(Invoice.kind == "proforma"))] == ["paid"] * 2
    assert session.scalar(select(func.count()).select_from(Payment)) == 2
    assert session.scalar(select(Checkout.transaction_id)).startswith("pi_test_")


def test_a_stripe_outage_keeps_the_customer_in_the_app(client, session, make, login_as, fake_stripe):
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    login_as(client, customer)
    fake_stripe.fail_next = (503, {"error": {"type": "api_error", "message": "unavailable"}})
    resp = client.post_form(f"/invoices/{proforma.code}/pay", token_from="/invoices")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/invoices/{proforma.code}"
    assert "could not be opened" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Checkout)) == 0


# -- checkouts that end (docs/payments.md) ------------------------------------------------------------------------




def test_the_session_lifetime_is_set_at_stripe_and_kept(fake_stripe, open_checkout):
    _, checkout = open_checkout()
    form = fake_stripe.requests[-1][3]
    created = int(time.time())
    assert created + 59 * 60 <= int(form["expires_at"]) <= created + 60 * 60  # HOSTICO_CHECKOUT_MINUTES (60)
    assert int(checkout.expires_at.timestamp()) == fake_stripe.sessions[checkout.provider_id]["expires_at"]


def test_the_expired_event_ends_the_checkout_once_and_unknown_sessions_are_ignored(
        app, client, session, fake_stripe, open_checkout):
    proforma, checkout = open_checkout()
    body, headers = fake_stripe.complete(checkout.provider_id, event_type="checkout.session.expired")
    forged, forged_headers = fake_stripe.complete(checkout.provider_id, event_type="checkout.session.expired",
                                                  secret="whsec_other")
    assert client.post("/hooks/stripe", data=forged, headers=forged_headers).status_code == 400
    session.expire_all()
    assert checkout.status == "pending"
    for _ in range(2):  # Stripe delivers again: harmless
        assert client.post("/hooks/stripe", data=body, headers=headers).status_code == 200
    session.expire_all()
    assert (checkout.status, checkout.failure_code) == ("expired", "expired")
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "checkout.expired")) == 1
    other = get_gateway(app_settings(app).payments).start_checkout(_start("chk_not_ours"))  # not in our books
    unknown, unknown_headers = fake_stripe.complete(other.provider_id, event_type="checkout.session.expired")
    assert client.post("/hooks/stripe", data=unknown, headers=unknown_headers).status_code == 200
    assert session.get(Invoice, proforma.id).status == "unpaid"


def test_retrieving_the_session_records_a_payment_whose_webhook_never_came(
        session, fake_stripe, open_checkout, expire_later):
    proforma, paid = open_checkout()
    _, abandoned = open_checkout()
    fake_stripe.complete(paid.provider_id)  # paid at Stripe; the webhook was lost
    for _ in range(2):
        expire_later()
    assert [r[1] for r in fake_stripe.requests if r[0] == "GET"] == [
        f"/v1/checkout/sessions/{paid.provider_id}", f"/v1/checkout/sessions/{abandoned.provider_id}"]
    session.expire_all()
    assert (paid.status, abandoned.status) == ("paid", "expired")
    assert session.get(Invoice, proforma.id).status == "paid"
    assert session.scalar(select(func.count()).select_from(Payment)) == 1
