"""SMS delivery receipts (docs/sms.md, Delivery receipts): the providers' status callbacks at /hooks/sms/<provider>,
checked as their documentation says, move each SMS from sent to delivered, failed or undelivered, once."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.billing.hosting_services import suspend_service
from hostico.models import OutboxMessage
from hostico.notify.sms.callbacks import callback_url, smso_token
from hostico.notify.sms.providers.file import read_sms_file
from tests.conftest import reconfigure
from tests.fakes.sms import smso_status_callback, twilio_status_callback

SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "twilio-auth-token-0123456789"
BASE = "https://billing.hostico.example"


@pytest.fixture
def twilio(app, fake_provider):
    fake_provider.default = (201, {"sid": "SM" + "a" * 32, "status": "queued"}, {})
    reconfigure(app, SMS_BACKEND="twilio", SMS_API_URL=fake_provider.url, SMS_ACCOUNT_SID=SID, SMS_API_KEY=TOKEN,
                BASE_URL=BASE)
    return fake_provider


@pytest.fixture
def smso(app, fake_provider):
    fake_provider.default = (200, {"status": 200, "responseToken": "8a5d2f89-90a1-4b65-b2cb-ffb78c4f65aa"}, {})
    reconfigure(app, SMS_BACKEND="smso", SMS_API_URL=fake_provider.url, SMS_API_KEY="smso-key-123",
                SMS_SENDER_ID="4", BASE_URL=BASE)
    return fake_provider


def _suspend(session, make, customer, deliver):
    service = make.make_service(customer, domain="magazin-exemplu.ro")
    suspend_service(session, service, reason="nonpayment", sms_hours="00:00-24:00")
    session.commit()
    deliver()
    return service


def _sms(session) -> OutboxMessage:
    session.expire_all()
    return session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).one()


def _emails(session, event: str) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.event == event)))


def _twilio_post(client, status: str, *, sid: str = "SM" + "a" * 32, error_code: str | None = None,
                 sign_with: str | None = None):
    url = f"{BASE}/hooks/sms/twilio"
    form, headers = twilio_status_callback(url, auth_token=TOKEN, account_sid=SID, sid=sid, status=status,
                                           error_code=error_code, sign_with=sign_with)
    return client.post("/hooks/sms/twilio", data=form, headers=headers)


def test_twilio_is_given_the_status_callback_and_the_sms_is_sent(session, make, opted_in, deliver, twilio):
    _suspend(session, make, opted_in, deliver)
    (request,) = twilio.requests
    assert request["form"]["StatusCallback"] == f"{BASE}/hooks/sms/twilio"
    sms = _sms(session)
    assert (sms.status, sms.delivery_status, sms.delivery_provider) == ("sent", "sent", "twilio")


def test_a_signed_twilio_receipt_marks_the_sms_delivered_and_replays_change_nothing(
        client, session, make, opted_in, deliver, twilio):
    _suspend(session, make, opted_in, deliver)
    assert _twilio_post(client, "delivered").status_code == 200
    sms = _sms(session)
    assert sms.delivery_status == "delivered" and sms.delivery_at is not None and sms.delivery_code is None
    first = sms.delivery_at
    assert _twilio_post(client, "delivered").status_code == 200  # delivered again
    assert _twilio_post(client, "sent").status_code == 200  # a late, earlier state
    sms = _sms(session)
    assert sms.delivery_status == "delivered" and sms.delivery_at == first
    assert _emails(session, "suspension_sms_failed") == []


@pytest.mark.parametrize("status", ["undelivered", "failed"])
def test_a_failed_suspension_sms_is_followed_by_one_email(client, session, make, opted_in, deliver, twilio, status):
    _suspend(session, make, opted_in, deliver)
    assert _twilio_post(client, status, error_code="30003").status_code == 200
    assert _twilio_post(client, status, error_code="30003").status_code == 200  # replayed
    sms = _sms(session)
    assert (sms.delivery_status, sms.delivery_code) == (status, "30003")
    (email,) = _emails(session, "suspension_sms_failed")
    assert email.channel == "email" and email.recipient == opted_in.email
    deliver()
    (email,) = _emails(session, "suspension_sms_failed")
    assert email.status == "sent" and "+40722123456" in email.body_text and "magazin-exemplu.ro" in email.body_text


def test_a_receipt_with_a_forged_signature_changes_nothing(client, session, make, opted_in, deliver, twilio):
    _suspend(session, make, opted_in, deliver)
    assert _twilio_post(client, "failed", sign_with="not-the-auth-token").status_code == 403
    resp = client.post("/hooks/sms/twilio", data={"MessageSid": "SM" + "a" * 32, "MessageStatus": "failed"})
    assert resp.status_code == 403
    assert _sms(session).delivery_status == "sent" and _emails(session, "suspension_sms_failed") == []


def test_a_receipt_for_an_unknown_message_is_ignored(client, session, make, opted_in, deliver, twilio):
    _suspend(session, make, opted_in, deliver)
    assert _twilio_post(client, "failed", sid="SM" + "b" * 32).status_code == 200
    assert _sms(session).delivery_status == "sent" and _emails(session, "suspension_sms_failed") == []


def test_smso_is_given_a_secret_webhook_and_its_receipts_are_recorded(
        app, client, session, make, opted_in, deliver, smso):
    _suspend(session, make, opted_in, deliver)
    (request,) = smso.requests
    secret = app.config["SECRET_KEY"]
    assert request["form"]["webhook_status"] == callback_url(BASE, "smso", secret)
    url = f"/hooks/sms/smso?token={smso_token(secret)}"
    form = smso_status_callback(uuid="8a5d2f89-90a1-4b65-b2cb-ffb78c4f65aa", status="delivered",
                                delivered_at="2026-12-05 10:00:07")
    assert client.post(url, data=form).status_code == 200
    sms = _sms(session)
    assert sms.delivery_status == "delivered"
    assert sms.delivery_at == dt.datetime(2026, 12, 5, 10, 0, 7, tzinfo=dt.UTC)
    assert client.post(url, data=smso_status_callback(uuid="8a5d2f89-90a1-4b65-b2cb-ffb78c4f65aa",
                                                      status="expired")).status_code == 200
    assert _sms(session).delivery_status == "delivered"  # the first final state stays


def test_smso_expired_counts_as_undelivered_and_a_wrong_token_is_refused(client, session, make, opted_in, deliver,
                                                                         smso, app):
    _suspend(session, make, opted_in, deliver)
    form = smso_status_callback(uuid="8a5d2f89-90a1-4b65-b2cb-ffb78c4f65aa", status="expired")
    assert client.post("/hooks/sms/smso?token=guess", data=form).status_code == 403
    assert client.post("/hooks/sms/smso", data=form).status_code == 403
    assert _sms(session).delivery_status == "sent"
    assert client.post(f"/hooks/sms/smso?token={smso_token(app.config['SECRET_KEY'])}", data=form).status_code == 200
    sms = _sms(session)
    assert (sms.delivery_status, sms.delivery_code) == ("undelivered", "expired")
    assert len(_emails(session, "suspension_sms_failed")) == 1


def test_only_the_configured_provider_has_a_receipt_endpoint(client):
    assert client.post("/hooks/sms/twilio", data={}).status_code == 404  # the test app uses the file backend
    assert client.post("/hooks/sms/nexmo", data={}).status_code == 404


def test_the_file_backend_writes_a_receipt_line_and_the_sms_is_delivered(app, session, make, opted_in, deliver):
    _suspend(session, make, opted_in, deliver)
    (sms_line,) = read_sms_file(app.config["SMS_FILE"])
    (receipt,) = read_sms_file(app.config["SMS_FILE"], receipts=True)
    assert receipt["receipt"] == sms_line["id"] and receipt["status"] == "delivered"
    sms = _sms(session)
    assert (sms.delivery_provider, sms.delivery_status) == ("file", "delivered")


def test_a_suspension_sms_the_provider_refuses_for_good_is_followed_by_one_email(
        session, make, opted_in, deliver, twilio):
    twilio.default = (400, {"code": 21211, "message": "The 'To' number is not valid."}, {})
    _suspend(session, make, opted_in, deliver)
    assert _sms(session).status == "dead"
    assert len(_emails(session, "suspension_sms_failed")) == 1


def test_staff_see_the_receipt_on_the_outbox_and_on_the_customer_s_suspension_timeline(
        client, session, make, opted_in, deliver, twilio, login_staff):
    service = _suspend(session, make, opted_in, deliver)
    _twilio_post(client, "undelivered", error_code="30005")
    staff = make.make_staff(role="admin")
    login_staff(client, staff)
    page = client.get("/staff/outbox").get_data(as_text=True)
    assert "undelivered" in page and "code 30005" in page
    page = client.get(f"/staff/customers/{opted_in.id}").get_data(as_text=True)
    timeline = page.split(f'id="service-{service.id}"', 1)[1].split("</ul>", 1)[0]
    assert "suspension notice" in timeline and "undelivered" in timeline
    assert "notice that the SMS did not arrive" in timeline
