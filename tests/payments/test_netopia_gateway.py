"""The NETOPIA adapter against a local fake of NETOPIA Payments API v2, and the app paying through it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from joserfc.jwk import RSAKey
from sqlalchemy import func, select

from hostico.models import AuditLog, Checkout, Invoice, Payment
from hostico.payments.errors import GatewayUnavailable, NotificationRejected, RefundRefused
from hostico.payments.gateways import CheckoutStart, GatewayConfig, get_gateway
from hostico.payments.gateways.base import EXPIRED, FAILED, PAID, PENDING
from hostico.web.app_settings import settings as app_settings
from tests.fakes.gateways import FakeNetopia


@pytest.fixture
def fake_netopia():
    with FakeNetopia() as fake:
        yield fake


@pytest.fixture
def test_config(test_config, fake_netopia):
    return dict(test_config, PAYMENT_GATEWAY="netopia", NETOPIA_API_URL=fake_netopia.url, PAYMENT_TIMEOUT=2,
                NETOPIA_API_KEY=FakeNetopia.API_KEY, NETOPIA_POS_SIGNATURE=FakeNetopia.POS,
                NETOPIA_PUBLIC_KEY=fake_netopia.public_pem)


def _start(reference="chk_test", amount="121.00"):
    return CheckoutStart(reference=reference, amount=Decimal(amount), currency="RON", description="Hostico proforma",
                         email="ana@example.com", customer_name="Ana Pop", return_url="http://localhost/checkout/x",
                         cancel_url="http://localhost/checkout/x?cancelled=1",
                         notify_url="http://localhost/hooks/netopia", lines=(("HPF-000001", Decimal(amount)),))


def test_start_payment_gets_the_hosted_page(app, fake_netopia):
    started = get_gateway(app_settings(app).payments).start_checkout(_start())
    assert started.redirect_url.startswith("https://secure.sandbox.netopia-payments.com/ui/card")
    method, path, headers, body = fake_netopia.requests[-1]
    assert path == "/payment/card/start" and headers["Authorization"] == FakeNetopia.API_KEY
    assert body["order"]["orderID"] == "chk_test" and body["order"]["amount"] == 121.0
    assert body["config"]["notifyUrl"] == "http://localhost/hooks/netopia"
    assert body["payment"]["instrument"] is None  # no card data ever leaves the app


@pytest.mark.slow
def test_start_errors_become_gateway_unavailable(app, fake_netopia):
    with pytest.raises(GatewayUnavailable) as err:
        get_gateway(GatewayConfig.from_config(dict(app.config, NETOPIA_API_KEY="wrong"))).start_checkout(_start())
    assert err.value.code == "401"
    with pytest.raises(GatewayUnavailable) as err:
        get_gateway(GatewayConfig.from_config(dict(app.config, NETOPIA_POS_SIGNATURE="XXXX"))).start_checkout(_start())
    assert err.value.code == "99"
    fake_netopia.fail_next = (502, {"message": "Bad gateway"})
    with pytest.raises(GatewayUnavailable):
        get_gateway(app_settings(app).payments).start_checkout(_start())
    fake_netopia.delay = 3
    with pytest.raises(GatewayUnavailable) as err:
        get_gateway(app_settings(app).payments).start_checkout(_start())
    assert err.value.code == "unreachable"


def test_ipn_signature_audience_and_body_hash_are_verified(app, fake_netopia):
    gateway = get_gateway(app_settings(app).payments)
    ntp = gateway.start_checkout(_start()).provider_id
    body, headers = fake_netopia.ipn(ntp, 3)
    note = gateway.parse_notification(headers, body)
    assert (note.reference, note.status, note.amount, note.currency) == ("chk_test", PAID, Decimal("121.00"), "RON")
    assert gateway.parse_notification(*reversed(fake_netopia.ipn(ntp, 12))).status == FAILED
    assert gateway.parse_notification(*reversed(fake_netopia.ipn(ntp, 15))).status == PENDING
    other_key = RSAKey.generate_key(2048, private=True)
    bad = [fake_netopia.ipn(ntp, 3, key=other_key), fake_netopia.ipn(ntp, 3, audience="ZZZZ-OTHER-POS"),
           fake_netopia.ipn(ntp, 3, expires_in=-60), (body.replace(b"121", b"1"), headers), (body, {})]
    for b, h in bad:
        with pytest.raises(NotificationRejected):
            gateway.parse_notification(h, b)


def test_status_query_and_refunds(app, fake_netopia):
    gateway = get_gateway(app_settings(app).payments)
    ntp = gateway.start_checkout(_start()).provider_id
    assert gateway.query_status("chk_test", ntp).status == PENDING
    with pytest.raises(RefundRefused):  # not paid yet
        gateway.refund(transaction_id=ntp, amount=Decimal("10"), currency="RON", idempotency_key="r:1")
    fake_netopia.ipn(ntp, 3)
    assert gateway.query_status("chk_test", ntp).status == PAID
    refund = gateway.refund(transaction_id=ntp, amount=Decimal("21.00"), currency="RON", idempotency_key="r:2")
    assert refund.refund_id and fake_netopia.requests[-1][3] == {"posID": FakeNetopia.POS, "ntpID": ntp,
                                                                 "amount": 21.0}
    with pytest.raises(RefundRefused) as err:
        gateway.refund(transaction_id=ntp, amount=Decimal("100.01"), currency="RON", idempotency_key="r:3")
    assert err.value.code == "56"
    with pytest.raises(GatewayUnavailable):
        gateway.query_status("chk_x", "999")


def test_the_app_pays_through_netopia_only_on_the_signed_ipn(client, session, make, login_as, fake_netopia):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    login_as(client, customer)
    resp = client.post_form(f"/invoices/{proforma.code}/pay", token_from="/invoices")
    assert resp.headers["Location"].startswith("https://secure.sandbox.netopia-payments.com/")
    checkout = session.scalars(select(Checkout)).one()
    wrong, wrong_headers = fake_netopia.ipn(checkout.provider_id, 3, amount=1.21)
    answer = client.post("/hooks/netopia", data=wrong, headers=wrong_headers)
    assert answer.get_json()["errorType"] == 2
    euro, euro_headers = fake_netopia.ipn(checkout.provider_id, 3, currency="EUR")
    assert client.post("/hooks/netopia", data=euro, headers=euro_headers).get_json()["errorType"] == 2
    assert session.scalar(select(func.count()).select_from(Payment)) == 0
    assert session.scalar(select(func.count()).select_from(AuditLog)
                          .where(AuditLog.action == "checkout.notification_refused")) == 2

    body, headers = fake_netopia.ipn(checkout.provider_id, 3)
    for _ in range(2):  # NETOPIA resends: recorded once
        assert client.post("/hooks/netopia", data=body, headers=headers).get_json() == {
            "errorType": 0, "errorCode": 0, "errorMessage": ""}
    late_failure, late_headers = fake_netopia.ipn(checkout.provider_id, 12)
    assert client.post("/hooks/netopia", data=late_failure, headers=late_headers).get_json()["errorType"] == 0
    session.expire_all()
    assert session.scalar(select(Invoice.status).where(Invoice.id == proforma.id)) == "paid"
    assert session.scalar(select(func.count()).select_from(Payment)) == 1
    assert session.scalar(select(Checkout.status)) == "paid"


# -- checkouts that end (docs/payments.md) ------------------------------------------------------------------------




def test_the_status_query_finds_a_payment_whose_ipn_never_came_and_records_it_once(
        client, session, fake_netopia, open_checkout, expire_later):
    proforma, checkout = open_checkout()
    assert dt.timedelta(minutes=59) < checkout.expires_at - checkout.created_at <= dt.timedelta(minutes=61)
    assert expire_later(hours=0).asked == 0  # within its lifetime NETOPIA is not asked
    fake_netopia.settle(checkout.provider_id, 3)  # paid on NETOPIA's page; the IPN was lost
    for _ in range(2):
        expire_later()
    assert fake_netopia.status_queries == [checkout.provider_id]  # the second pass had nothing to ask
    assert fake_netopia.requests[-1][3] == {"posID": FakeNetopia.POS, "ntpID": checkout.provider_id,
                                            "orderID": checkout.reference}
    body, headers = fake_netopia.ipn(checkout.provider_id, 3)  # the IPN turns up after all
    assert client.post("/hooks/netopia", data=body, headers=headers).get_json()["errorType"] == 0
    session.expire_all()
    assert (checkout.status, session.get(Invoice, proforma.id).status) == ("paid", "paid")
    assert session.scalar(select(func.count()).select_from(Payment)) == 1


def test_netopia_down_leaves_the_checkout_pending_until_it_answers(session, fake_netopia, open_checkout, expire_later):
    _, checkout = open_checkout()
    fake_netopia.fail_next = (503, {"code": "503", "message": "Service unavailable"})
    summary = expire_later()
    assert (summary.asked, summary.unreachable, summary.expired) == (1, 1, 0)
    session.expire_all()
    assert checkout.status == "pending"
    summary = expire_later()  # the next pass: never paid (status 1) -> expired
    assert (summary.asked, summary.unreachable, summary.expired) == (1, 0, 1)
    session.expire_all()
    assert checkout.status == "expired" and checkout.failure_code == "expired"


def test_a_declined_payment_fails_and_an_expired_one_expires(
        app, client, session, fake_netopia, open_checkout, expire_later):
    _, checkout = open_checkout()
    fake_netopia.settle(checkout.provider_id, 12)
    assert expire_later().failed == 1
    session.expire_all()
    assert (checkout.status, checkout.failure_code) == ("failed", "card_declined")
    gateway = get_gateway(app_settings(app).payments)
    assert gateway.parse_notification(*reversed(fake_netopia.ipn(checkout.provider_id, 23))).status == EXPIRED
    _, second = open_checkout()
    body, headers = fake_netopia.ipn(second.provider_id, 23)  # NETOPIA's IPN: the payment expired
    for _ in range(2):
        assert client.post("/hooks/netopia", data=body, headers=headers).get_json()["errorType"] == 0
    session.expire_all()
    assert second.status == "expired"
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "checkout.expired")) == 1
