"""Staff outbox: filter by channel and status, read a message rendered, retry a dead one."""

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.models import AuditLog, OutboxMessage
from hostico.notify.events import notify


@pytest.fixture
def staff_client(client, make, login_staff):
    login_staff(client, make.make_staff(role="support"))
    return client


def _queue(session, make, customer, *events):
    invoice = make.make_proforma(customer, origin="system")
    for event in events:
        notify(session, event, customer, invoice=invoice, sms_hours="00:00-24:00")
    session.commit()
    return invoice


def test_outbox_lists_and_filters_by_channel_and_status(staff_client, session, make, opted_in, deliver):
    _queue(session, make, opted_in, "proforma_system")
    other = make.make_customer(email="bob@example.com")
    _queue(session, make, other, "proforma_order")
    deliver()
    session.query(OutboxMessage).filter_by(recipient="bob@example.com").update({"status": "dead",
                                                                                 "last_error": "smtp: 550"})
    session.commit()
    html = staff_client.get("/staff/outbox").get_data(as_text=True)
    assert html.count("<tr>") == 1 + 3  # header + three messages
    sms_only = staff_client.get("/staff/outbox?channel=sms").get_data(as_text=True)
    assert "+40722123456" in sms_only and "bob@example.com" not in sms_only
    dead = staff_client.get("/staff/outbox?status=dead").get_data(as_text=True)
    assert "bob@example.com" in dead and "+40722123456" not in dead and "smtp: 550" in dead
    odd = staff_client.get("/staff/outbox?channel=%27%20OR%201=1--&status=%E2%9C%93&before=x")
    assert odd.status_code == 200 and odd.get_data(as_text=True).count("<tr>") == 4


def test_staff_reads_a_delivered_email_rendered(staff_client, session, make, opted_in, deliver):
    invoice = _queue(session, make, opted_in, "proforma_system")
    deliver()
    email = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")).one()
    page = staff_client.get(f"/staff/outbox/{email.id}").get_data(as_text=True)
    assert f"Proforma {invoice.code}: your hosting renewal" in page
    assert f'src="/staff/outbox/{email.id}/html"' in page and "sandbox" in page
    assert "Hello " in page  # the text part
    frame = staff_client.get(f"/staff/outbox/{email.id}/html")
    assert frame.status_code == 200 and f">{invoice.code}</a>" in frame.get_data(as_text=True)
    assert "sandbox" in frame.headers["Content-Security-Policy"]
    assert frame.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert staff_client.get("/staff/outbox/999999").status_code == 404


def test_staff_retries_a_dead_message_and_it_is_delivered_with_the_same_content(
        staff_client, session, make, opted_in, deliver, sms_file):
    _queue(session, make, opted_in, "proforma_system")
    sms = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).one()
    sms.status, sms.attempts, sms.body_text, sms.last_error = "dead", 8, "Hostico: kept text", "twilio: 503"
    session.commit()
    url = f"/staff/outbox/{sms.id}"
    resp = staff_client.post_form(f"{url}/retry", token_from=url)
    assert resp.status_code == 303 and resp.headers["Location"].endswith(url)
    session.expire_all()
    assert (sms.status, sms.attempts) == ("pending", 0)
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "outbox.retried")).one()
    assert audit.data == {"last_error": "twilio: 503"}
    deliver(now=dt.datetime.now(dt.UTC) + dt.timedelta(seconds=1))
    assert [s["text"] for s in sms_file()] == ["Hostico: kept text"]
    # A message that is not dead cannot be retried.
    staff_client.post_form(f"{url}/retry", token_from=url)
    session.expire_all()
    assert sms.status == "sent"


def test_retry_needs_csrf(staff_client, session, make, opted_in):
    _queue(session, make, opted_in, "proforma_system")
    sms = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")).one()
    sms.status = "dead"
    session.commit()
    assert staff_client.post(f"/staff/outbox/{sms.id}/retry").status_code == 400
    session.expire_all()
    assert sms.status == "dead"


def test_outbox_is_refused_to_customers_and_anonymous_visitors(client, session, make, login_as, opted_in):
    _queue(session, make, opted_in, "proforma_system")
    msg_id = session.scalars(select(OutboxMessage.id)).first()
    for path in ("/staff/outbox", f"/staff/outbox/{msg_id}", f"/staff/outbox/{msg_id}/html"):
        resp = client.get(path)
        assert resp.status_code == 302 and "/login" in resp.headers["Location"]
    login_as(client, opted_in)
    for path in ("/staff/outbox", f"/staff/outbox/{msg_id}", f"/staff/outbox/{msg_id}/html"):
        assert client.get(path).status_code == 403
    token = client.csrf_token("/my-details")
    assert client.post(f"/staff/outbox/{msg_id}/retry", data={"csrf_token": token}).status_code == 403
