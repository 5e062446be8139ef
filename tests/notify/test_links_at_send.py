"""Mail-login links are made when an email is sent, never stored (docs/mail-login.md).

The stored body holds a placeholder; the worker makes the link at each attempt (one record per email),
sends to the customer's address as it is then, and the link's 7 days start when the SMTP server accepted
the email.
"""

import datetime as dt
import email
import re
from email import policy

import pytest
from sqlalchemy import select

from hostico.maillogin import tokens
from hostico.models import AuditLog, Base, MailLoginToken, OutboxMessage
from hostico.notify.events import notify
from hostico.notify.links import LINK_PLACEHOLDER
from tests.factories import PASSWORD

SECRET = "test-secret-key"  # tests/conftest.py test_config
LINK_RE = re.compile(r"http://localhost/m/([A-Za-z0-9._-]+)")


def _delivered(smtp_server, index=-1):
    msg = email.message_from_bytes(smtp_server.messages[index].original_content, policy=policy.default)
    return msg.get_body(("plain",)).get_content(), msg.get_body(("html",)).get_content()


def _token(smtp_server, index=-1) -> str:
    plain, html = _delivered(smtp_server, index)
    token = LINK_RE.search(plain).group(1)
    assert f'href="http://localhost/m/{token}"' in html
    return token


def _queue(session, make, **customer):
    c = make.make_customer(**customer)
    invoice = make.make_proforma(c, origin="system")
    notify(session, "proforma_system", c, invoice=invoice)
    session.commit()
    return c, invoice


def _everything_stored(session) -> str:
    """Every row of every table as text: what a backup of the database holds."""
    dump = []
    for table in Base.metadata.sorted_tables:
        for row in session.execute(select(table)):
            dump.append(repr(tuple(row)))
    return "\n".join(dump)


def test_stored_email_holds_a_placeholder_and_no_live_token(session, make, smtp_server, deliver, outbox):
    _, invoice = _queue(session, make)
    assert deliver() == 1
    token = _token(smtp_server)
    row = outbox("email")[0]
    assert row.status == "sent"
    assert LINK_PLACEHOLDER in row.body_text and LINK_PLACEHOLDER in row.body_html
    assert "/m/" not in row.body_text and "/m/" not in row.body_html
    assert token not in _everything_stored(session)  # nor in a backup: only the jti is kept
    link = tokens.verify(session, token, secret_key=SECRET)
    assert link.invoice_id == invoice.id and link.outbox_message_id == row.id


@pytest.mark.parametrize("role", ["support", "billing", "admin"])
def test_staff_outbox_shows_the_placeholder_never_a_token(client, login_staff, session, make, smtp_server, deliver,
                                                          outbox, role):
    _queue(session, make)
    deliver()
    token = _token(smtp_server)
    login_staff(client, make.make_staff(role=role))
    row = outbox("email")[0]
    page = client.get(f"/staff/outbox/{row.id}").get_data(as_text=True)
    frame = client.get(f"/staff/outbox/{row.id}/html").get_data(as_text=True)
    for body in (page, frame):
        assert token not in body and "/m/" not in body
        assert LINK_PLACEHOLDER in body
    assert "made when the email is sent" in page  # staff are told what the placeholder stands for


def test_email_queued_before_an_email_change_goes_to_the_new_address_with_a_working_link(
        app, client, login_as, session, make, smtp_server, deliver):
    customer, invoice = _queue(session, make, email="old@example.com")
    login_as(client, customer)
    resp = client.post_form("/my-details/contact", {"name": customer.name, "email": "new@example.com",
                                                    "password": PASSWORD}, token_from="/my-details")
    assert resp.status_code == 303
    confirm = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "email_change_confirm")).one()
    resp = client.post_form("/my-details/email/confirm", {"token": confirm.context["token"]},
                            token_from=f"/my-details/email/confirm/{confirm.context['token']}")
    assert resp.status_code == 303  # the change is confirmed from the new mailbox before anything is sent
    client.post_form("/logout", token_from="/")
    assert deliver() == 3  # the invoice email, the confirmation, the notice to the old address
    row = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "proforma_system")).one()
    assert row.recipient == "new@example.com"
    index = next(i for i, m in enumerate(smtp_server.messages) if "/m/" in m.original_content.decode())
    assert smtp_server.messages[index].rcpt_tos == ["new@example.com"]
    token = _token(smtp_server, index)
    follow = app.test_client().get(f"/m/{token}")
    assert follow.status_code == 303 and follow.headers["Location"] == f"/invoices/{invoice.code}"
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "outbox.readdressed")).one()
    assert audit.data == {"before": "old@example.com", "after": "new@example.com"}


def test_email_that_failed_before_an_email_change_is_retried_to_the_new_address(
        app, session, make, smtp_server, deliver):
    customer, invoice = _queue(session, make, email="old@example.com")
    smtp_server.stop()
    now = dt.datetime.now(dt.UTC)
    deliver(now=now)  # rendered, its link made (pending), SMTP down
    first = session.scalars(select(MailLoginToken)).one()
    assert first.expires_at is None and first.accepted_at is None
    from hostico.accounts.mail_links import revoke_customer_links

    customer.email = "new@example.com"  # what the email change does: new address, links revoked
    revoke_customer_links(session, customer.id, reason="email_changed")
    session.commit()
    smtp_server.start()
    assert deliver(now=now + dt.timedelta(hours=7)) == 1
    assert [m.rcpt_tos for m in smtp_server.messages] == [["new@example.com"]]
    token = _token(smtp_server)
    assert app.test_client().get(f"/m/{token}").headers["Location"] == f"/invoices/{invoice.code}"
    session.expire_all()
    records = session.scalars(select(MailLoginToken).order_by(MailLoginToken.id)).all()
    assert len(records) == 2 and records[0].revoked_reason == "email_changed" and records[1].revoked_at is None


def test_link_lives_seven_days_from_smtp_acceptance_not_from_the_first_attempt(session, make, smtp_server, deliver):
    _queue(session, make)
    smtp_server.stop()
    first_attempt = dt.datetime.now(dt.UTC)
    assert deliver(now=first_attempt) == 1
    smtp_server.start()
    accepted = first_attempt + dt.timedelta(days=3)
    assert deliver(now=accepted) == 1
    token = _token(smtp_server)
    record = session.scalars(select(MailLoginToken)).one()
    assert record.accepted_at == accepted and record.expires_at == accepted + dt.timedelta(days=7)
    assert tokens.verify(session, token, secret_key=SECRET, now=accepted + dt.timedelta(days=7, seconds=-1))
    with pytest.raises(tokens.InvalidLink) as err:
        tokens.verify(session, token, secret_key=SECRET, now=accepted + dt.timedelta(days=7))
    assert err.value.reason == "expired"


def test_a_retried_email_makes_its_link_once(session, make, smtp_server, deliver, outbox):
    _queue(session, make)
    smtp_server.stop()
    now = dt.datetime.now(dt.UTC)
    for hours in (0, 1, 2):
        assert deliver(now=now + dt.timedelta(hours=hours * 7)) == 1
    assert outbox("email")[0].attempts == 3
    smtp_server.start()
    assert deliver(now=now + dt.timedelta(hours=21)) == 1
    assert outbox("email")[0].status == "sent"
    record = session.scalars(select(MailLoginToken)).one()  # one record for four attempts
    assert tokens.verify(session, _token(smtp_server), secret_key=SECRET).id == record.id


def test_the_database_refuses_a_second_live_link_for_one_email(session, make, deliver, outbox):
    _queue(session, make)
    deliver()
    row = outbox("email")[0]
    record = session.scalars(select(MailLoginToken)).one()
    session.add(MailLoginToken(jti="second", customer_id=record.customer_id, invoice_id=record.invoice_id,
                               outbox_message_id=row.id))
    with pytest.raises(Exception, match="(?i)unique"):
        session.flush()


def test_a_link_whose_email_was_not_accepted_logs_nobody_in(app, session, make, smtp_server, deliver):
    customer, invoice = _queue(session, make)
    smtp_server.stop()
    deliver()
    msg = session.scalars(select(OutboxMessage)).one()
    token = tokens.link_for_message(session, customer_id=customer.id, invoice_id=invoice.id,
                                    outbox_message_id=msg.id, secret_key=SECRET)
    session.commit()
    assert session.scalar(select(MailLoginToken.id).where(MailLoginToken.revoked_at.is_(None))) is not None
    resp = app.test_client().get(f"/m/{token}")
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/login")
    refused = session.scalars(select(AuditLog).where(AuditLog.action == "maillogin.refused")).one()
    assert refused.data["reason"] == "undelivered"


def test_development_mail_backend_keeps_delivered_emails_with_live_links_in_an_mbox(app, session, make, deliver,
                                                                                    outbox):
    import mailbox

    _, invoice = _queue(session, make)  # tests/notify: MAIL_BACKEND=outbox, MAIL_FILE under tmp_path
    assert deliver() == 1
    row = outbox("email")[0]
    assert row.status == "sent" and LINK_PLACEHOLDER in row.body_text
    box = mailbox.mbox(app.config["MAIL_FILE"])
    [delivered] = list(box)
    box.close()
    plain = email.message_from_bytes(delivered.as_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    token = LINK_RE.search(plain).group(1)
    follow = app.test_client().get(f"/m/{token}")
    assert follow.headers["Location"] == f"/invoices/{invoice.code}"
