"""Hosted checkout through the sandbox gateway: only its signed notification pays a proforma."""

from __future__ import annotations

import json
import time
from decimal import Decimal

from sqlalchemy import func, select

from hostico.models import AuditLog, Checkout, Invoice, Payment
from hostico.payments.gateways.sandbox import SIGNATURE_HEADER, sign


def _paid(session, code):
    session.expire_all()
    return session.scalar(select(Invoice).where(Invoice.code == code)).status == "paid"


def _tax_invoices(session):
    return session.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "tax"))


def test_pay_sends_the_customer_to_the_hosted_page_and_pays_only_on_the_notification(
        client, session, make, login_as, sandbox, pay_with_card):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    login_as(client, customer)

    hosted, back = pay_with_card([proforma.code])
    assert back.status_code == 303
    waiting_url = back.headers["Location"]
    assert "/checkout/chk_" in waiting_url
    waiting = client.get(waiting_url).get_data(as_text=True)
    assert "Waiting for confirmation" in waiting and 'hx-trigger="every 2s"' in waiting
    assert not _paid(session, proforma.code)  # coming back from the gateway pays nothing

    assert len(sandbox.sent) == 1
    resp = sandbox.deliver(client)
    assert resp.status_code == 200
    assert _paid(session, proforma.code)
    page = client.get(waiting_url, headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Payment confirmed" in page and "HST-000001" in page and "hx-trigger" not in page
    payment = session.scalars(select(Payment)).one()
    assert payment.method == "card" and payment.amount == Decimal("121.00") and payment.checkout_id


def test_two_proformas_in_one_checkout_get_a_tax_invoice_each(client, session, make, login_as, sandbox,
                                                              pay_with_card):
    customer = make.make_customer()
    first = make.make_proforma(customer, amount="100.00")
    second = make.make_proforma(customer, amount="50.00")
    login_as(client, customer)
    assert "Pay selected by card" in client.get("/invoices").get_data(as_text=True)

    hosted, _ = pay_with_card([first.code, second.code])
    assert "181.50" in client.get(hosted).get_data(as_text=True).replace(",", ".")  # 121.00 + 60.50
    body = json.loads(sandbox.sent[-1][1])
    assert body["data"]["amount"] == "181.50"
    sandbox.deliver(client)
    session.expire_all()
    taxes = session.scalars(select(Invoice).where(Invoice.kind == "tax").order_by(Invoice.id)).all()
    assert [t.proforma_id for t in taxes] == [first.id, second.id]
    assert [t.total for t in taxes] == [Decimal("121.00"), Decimal("60.50")]


def test_a_notification_delivered_again_records_nothing_new(client, session, make, login_as, sandbox,
                                                            pay_with_card):
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    login_as(client, customer)
    pay_with_card([proforma.code])
    for _ in range(3):
        assert sandbox.deliver(client).status_code == 200
    assert session.scalar(select(func.count()).select_from(Payment)) == 1 and _tax_invoices(session) == 1


def test_forged_or_stale_notifications_change_nothing(client, session, make, login_as, sandbox, pay_with_card):
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    login_as(client, customer)
    pay_with_card([proforma.code])
    url, body, headers, _ = sandbox.sent[-1]
    forged = {SIGNATURE_HEADER: sign("not-the-secret", body), "Content-Type": "application/json"}
    assert client.post("/hooks/payments", data=body, headers=forged).status_code == 400
    tampered = body.replace(b'"121.00"', b'"12.00"')
    assert client.post("/hooks/payments", data=tampered, headers=headers).status_code == 400
    stale = {SIGNATURE_HEADER: sign("dev-webhook-secret", body, int(time.time()) - 3600)}
    assert client.post("/hooks/payments", data=body, headers=stale).status_code == 400
    assert client.post("/hooks/payments", data=body).status_code == 400  # unsigned
    assert not _paid(session, proforma.code) and _tax_invoices(session) == 0


def _resigned(body: bytes, **changes) -> tuple[bytes, dict]:
    event = json.loads(body)
    event["data"].update(changes)
    new = json.dumps(event).encode()
    return new, {SIGNATURE_HEADER: sign("dev-webhook-secret", new), "Content-Type": "application/json"}


def test_wrong_amount_or_currency_changes_nothing_and_is_audited(client, session, make, login_as, sandbox,
                                                                 pay_with_card):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    login_as(client, customer)
    pay_with_card([proforma.code])
    body = sandbox.sent[-1][1]
    for changes in ({"amount": "1.00"}, {"amount": "121.01"}, {"currency": "EUR"}, {"amount": "NaN"}):
        new, headers = _resigned(body, **changes)
        assert client.post("/hooks/payments", data=new, headers=headers).status_code == 400
    assert not _paid(session, proforma.code) and _tax_invoices(session) == 0
    refused = session.scalars(select(AuditLog).where(AuditLog.action == "checkout.notification_refused")).all()
    assert [a.data["error"] for a in refused] == ["amount_mismatch", "amount_mismatch", "currency_mismatch",
                                                   "amount_mismatch"]
    assert session.scalar(select(Checkout.status)) == "pending"


def test_a_failure_after_the_payment_changes_nothing(client, session, make, login_as, sandbox, pay_with_card):
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    login_as(client, customer)
    pay_with_card([proforma.code])
    sandbox.deliver(client)
    failed = json.loads(sandbox.sent[-1][1])
    failed.update(id="evt_late_failure", type="checkout.failed")
    failed["data"]["reason"] = "card_declined"
    body = json.dumps(failed).encode()
    resp = client.post("/hooks/payments", data=body, headers={SIGNATURE_HEADER: sign("dev-webhook-secret", body)})
    assert resp.status_code == 200
    assert session.scalar(select(Checkout.status)) == "paid" and _paid(session, proforma.code)


def test_declined_card_ends_the_attempt_and_try_again_starts_a_new_checkout(client, session, make, login_as,
                                                                             sandbox, pay_with_card):
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    login_as(client, customer)
    hosted, back = pay_with_card([proforma.code], card="4000000000009995")
    assert back.status_code == 303 and "/checkout/chk_" in back.headers["Location"]
    assert json.loads(sandbox.sent[-1][1])["type"] == "checkout.failed"
    sandbox.deliver(client)
    waiting = client.get(back.headers["Location"]).get_data(as_text=True)
    assert "The payment failed: the card has insufficient funds" in waiting and "Try again" in waiting
    assert not _paid(session, proforma.code)
    again = client.post_form("/invoices/pay", {"invoice": [proforma.code]}, token_from=back.headers["Location"])
    assert "/sandbox-gateway/checkout/" in again.headers["Location"]
    assert session.scalar(select(func.count()).select_from(Checkout)) == 2


def test_a_success_arriving_after_a_failure_still_pays(client, session, make, login_as, sandbox, pay_with_card):
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    login_as(client, customer)
    pay_with_card([proforma.code], card="4000000000000002")
    failed = json.loads(sandbox.sent[-1][1])
    paid, headers = _resigned(json.dumps(dict(failed, id="evt_late_success", type="checkout.paid")).encode(),
                              transaction="sbx_0123456789abcdef_4242")
    assert client.post("/hooks/payments", data=paid, headers=headers).status_code == 200
    sandbox.deliver(client)  # the failure, delivered late: changes nothing
    assert _paid(session, proforma.code) and session.scalar(select(Checkout.status)) == "paid"


def test_three_d_secure_step_completed_pays_failed_does_not(client, session, make, login_as, sandbox,
                                                            pay_with_card):
    customer = make.make_customer()
    ok, ko = make.make_proforma(customer), make.make_proforma(customer)
    login_as(client, customer)
    for proforma, outcome in ((ok, "complete"), (ko, "fail")):
        hosted, page = pay_with_card([proforma.code], card="4000002760003184")
        assert page.status_code == 303 and "/3ds" in page.headers["Location"]
        step = page.headers["Location"]
        assert "Confirm the payment with your bank" in client.get(step).get_data(as_text=True)
        back = client.post_form(step, {"outcome": outcome, "card": "4000002760003184"}, token_from=step)
        assert "/checkout/chk_" in back.headers["Location"]
        sandbox.deliver(client)
    assert _paid(session, ok.code) and not _paid(session, ko.code)
    outcomes = session.execute(select(Checkout.status, Checkout.failure_code).order_by(Checkout.id)).all()
    assert [tuple(o) for o in outcomes] == [("paid", None), ("failed", "authentication_failed")]


def test_delayed_card_notification_is_sent_late(client, session, make, login_as, sandbox, pay_with_card, app):
    app.config["SANDBOX_NOTIFY_DELAY"] = 7
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    login_as(client, customer)
    pay_with_card([proforma.code], card="4000000000000077")
    assert sandbox.sent[-1][3] == 7


def test_customers_cannot_pay_or_see_others_checkouts(client, session, make, login_as, sandbox, pay_with_card):
    owner, other = make.make_customer(), make.make_customer()
    proforma = make.make_proforma(owner)
    login_as(client, owner)
    pay_with_card([proforma.code])
    reference = session.scalar(select(Checkout.reference))
    client.post_form("/logout", token_from="/invoices")
    login_as(client, other)
    assert client.get(f"/checkout/{reference}").status_code == 404
    assert client.post_form(f"/invoices/{proforma.code}/pay", token_from="/invoices").status_code == 404
    resp = client.post_form("/invoices/pay", {"invoice": [proforma.code]}, token_from="/invoices")
    assert resp.status_code == 303 and session.scalar(select(func.count()).select_from(Checkout)) == 1


def test_the_sandbox_is_refused_in_production(test_config):
    import pytest

    from hostico.web.app import create_app

    with pytest.raises(RuntimeError, match="sandbox"):
        create_app(dict(test_config, ENV="production", PAYMENT_GATEWAY="sandbox"))
    from tests.conftest import PRODUCTION_SECRETS

    app = create_app(dict(test_config, ENV="production", **PRODUCTION_SECRETS))
    client = app.test_client()
    assert client.get("/sandbox-gateway/checkout/anything").status_code == 404
    assert client.post("/hooks/payments", data=b"{}").status_code == 404


def test_production_refuses_a_real_gateway_without_its_secrets(test_config):
    import pytest

    from hostico.web.app import create_app
    from tests.conftest import PRODUCTION_SECRETS

    base = dict(test_config, ENV="production", **PRODUCTION_SECRETS)
    with pytest.raises(RuntimeError, match="HOSTICO_STRIPE_WEBHOOK_SECRET must be set"):
        create_app(dict(base, PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY="sk_live_51HqLyjWDarjtT1zd"))
    with pytest.raises(RuntimeError, match="HOSTICO_NETOPIA_PUBLIC_KEY must be set"):
        create_app(dict(base, PAYMENT_GATEWAY="netopia", NETOPIA_API_KEY="k7Hq2", NETOPIA_POS_SIGNATURE="2KQ9-P"))
    app = create_app(dict(base, PAYMENT_GATEWAY="stripe", STRIPE_SECRET_KEY="sk_live_51HqLyjWDarjtT1zd",
                          STRIPE_WEBHOOK_SECRET="whsec_8Gq2LmN4pR6tV8xZ"))
    assert app.config["PAYMENT_GATEWAY"] == "stripe"
