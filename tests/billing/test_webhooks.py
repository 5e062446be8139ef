"""The gateway webhook: HMAC-SHA256 signature, one payment per event id."""

import json
import threading
import time

import pytest
from sqlalchemy import func, select

from hostico.billing.webhooks import WebhookRejected, sign, verify_signature
from hostico.models import AuditLog, Invoice, Payment

URL = "/hooks/payments"


def _event(proforma, event_id="evt_1", amount=None, **data):
    payload = {"id": event_id, "type": "payment.succeeded",
               "data": {"invoice": proforma.code, "amount": str(amount or proforma.total), "currency": "RON",
                        "reference": "gw-123", **data}}
    return json.dumps(payload).encode()


def _post(client, app, body, signature=None):
    signature = signature or sign(app.config["WEBHOOK_SECRET"], body)
    return client.post(URL, data=body, headers={"Hostico-Signature": signature, "Content-Type": "application/json"})


def _counts(session):
    session.expire_all()
    return (session.scalar(select(func.count()).select_from(Payment)),
            session.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "tax")))


def test_signed_webhook_pays_the_proforma_without_login_or_csrf(app, client, session, make):
    proforma = make.make_proforma(make.make_customer())
    resp = _post(client, app, _event(proforma))
    assert resp.status_code == 200 and resp.json["status"] == "recorded"
    session.expire_all()
    payment = session.scalars(select(Payment)).one()
    assert (payment.method, payment.idempotency_key, payment.reference) == ("gateway", "gateway:evt_1", "gw-123")
    assert session.get(Invoice, proforma.id).status == "paid"


def test_same_webhook_delivered_five_times_records_one_payment(app, client, session, make):
    proforma = make.make_proforma(make.make_customer())
    body = _event(proforma)
    answers = [_post(client, app, body) for _ in range(5)]
    assert [a.status_code for a in answers] == [200] * 5
    assert [a.json["status"] for a in answers] == ["recorded"] + ["duplicate"] * 4
    assert _counts(session) == (1, 1)


def test_same_webhook_delivered_five_times_at_once_records_one_payment(app, session, make):
    proforma = make.make_proforma(make.make_customer())
    body = _event(proforma)
    barrier = threading.Barrier(5)
    codes = []

    def deliver():
        client = app.test_client()
        barrier.wait()
        codes.append(_post(client, app, body).status_code)

    threads = [threading.Thread(target=deliver) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert codes == [200] * 5
    assert _counts(session) == (1, 1)


@pytest.mark.parametrize("mangle", [
    lambda sig, body: sig.replace("v1=", "v1=0"),
    lambda sig, body: sig.split(",")[0],
    lambda sig, body: "",
    lambda sig, body: sign("another-secret", body),
    lambda sig, body: sign("dev-webhook-secret", body, timestamp=int(time.time()) - 3600),
])
def test_bad_signature_is_refused_and_records_nothing(app, client, session, make, mangle):
    proforma = make.make_proforma(make.make_customer())
    body = _event(proforma)
    good = sign(app.config["WEBHOOK_SECRET"], body)
    resp = client.post(URL, data=body, headers={"Hostico-Signature": mangle(good, body) or ""})
    assert resp.status_code == 400
    assert _counts(session) == (0, 0)


def test_body_changed_after_signing_is_refused(app, client, session, make):
    proforma = make.make_proforma(make.make_customer())
    signature = sign(app.config["WEBHOOK_SECRET"], _event(proforma))
    resp = _post(client, app, _event(proforma, amount="1.00"), signature=signature)
    assert resp.status_code == 400 and _counts(session) == (0, 0)


def test_wrong_amount_is_refused_and_traced(app, client, session, make):
    proforma = make.make_proforma(make.make_customer())
    resp = _post(client, app, _event(proforma, amount="1.00"))
    assert resp.status_code == 409
    assert _counts(session) == (0, 0)
    assert session.scalar(select(AuditLog.data).where(AuditLog.action == "webhook.payment_refused"))["event"] == "evt_1"


def test_unknown_invoice_or_malformed_event_is_refused(app, client, session, make):
    proforma = make.make_proforma(make.make_customer())
    proforma.code = "HPF-999999"
    assert _post(client, app, _event(proforma)).status_code == 422
    assert _post(client, app, b"not json").status_code == 400
    assert _post(client, app, json.dumps({"type": "payment.succeeded"}).encode()).status_code == 400
    other = _post(client, app, json.dumps({"id": "evt_9", "type": "refund.created"}).encode())
    assert other.status_code == 200 and other.json["status"] == "ignored"
    assert _counts(session) == (0, 0)


def test_verify_signature_accepts_rotated_secrets():
    body = b"{}"
    now = time.time()
    header = sign("new", body, int(now)) + "," + sign("old", body, int(now)).split(",")[1]
    verify_signature("old", header, body, now=now)
    verify_signature("new", header, body, now=now)
    with pytest.raises(WebhookRejected):
        verify_signature("", header, body, now=now)
