"""Resetting a forgotten password (docs/accounts.md, "Password reset"), customers and staff alike: the same answer
for any address, a single-use link valid 60 minutes made when the email is sent and stored hashed only, a reset
that ends every session (a copied cookie too), revokes mail-login links, keeps 2FA, tells the owner; throttles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from hostico.accounts import recovery
from hostico.accounts.passwords import verify_password
from hostico.maillogin import tokens as maillogin_tokens
from hostico.models import AccountToken, AuditLog, Customer, MailLoginToken, OutboxMessage, StaffUser, UserSession
from hostico.notify.account_links import ACCOUNT_LINK_PLACEHOLDER, hash_token
from tests.factories import PASSWORD, give_session

NEW = "a-brand-new-passphrase"


def ask_reset(client, email, url="/password/reset"):
    return client.post_form(url, {"email": email}, token_from=url)


def set_password(client, link, new=NEW, confirm=None, url="/password/reset/new"):
    followed = client.get(link)
    assert followed.status_code == 303 and followed.headers["Location"] == url
    return client.post_form(url, {"password": new, "confirm": confirm or new}, token_from=url)


def neutral(body: str) -> str:
    """A page without its attribute values (CSRF token, the language links to the current address)."""
    return re.sub(r'(value|href)="[^"]*"|"X-CSRFToken": "[^"]*"', "", body)


@pytest.fixture
def ana(make):
    return make.make_customer(name="Ana Uitucă", email="ana@example.com")


def test_login_pages_link_to_the_reset_pages(client):
    assert 'href="/password/reset"' in client.get("/login").get_data(as_text=True)
    assert 'href="/staff/password/reset"' in client.get("/staff/login").get_data(as_text=True)


def test_a_known_and_an_unknown_address_get_the_same_answer(client, session, ana):
    known = ask_reset(client, "ANA@example.com")
    unknown = ask_reset(client, "nobody@example.com")
    assert known.status_code == unknown.status_code == 200
    assert neutral(known.get_data(as_text=True)).replace("ANA@example.com", "X") == \
        neutral(unknown.get_data(as_text=True)).replace("nobody@example.com", "X")
    session.expire_all()
    emails = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "password_reset")).all()
    assert [m.recipient for m in emails] == ["ana@example.com"]


def test_the_stored_email_holds_a_placeholder_and_the_database_only_a_hash(client, session, ana, inbox):
    ask_reset(client, ana.email)
    link = inbox.link(ana.email)
    token = link.rsplit("/", 1)[1]
    session.expire_all()
    stored = session.scalar(select(OutboxMessage).where(OutboxMessage.event == "password_reset"))
    assert ACCOUNT_LINK_PLACEHOLDER in stored.body_text and ACCOUNT_LINK_PLACEHOLDER in stored.body_html
    assert token not in stored.body_text + stored.body_html + str(stored.context)
    record = session.scalar(select(AccountToken))
    assert record.token_hash == hash_token(token) and record.purpose == "password_reset"
    assert record.expires_at - record.minted_at == dt.timedelta(minutes=60)
    assert "60 minutes" in inbox.last(ana.email).get_body(("plain",)).get_content()


def test_reset_sets_the_password_ends_every_session_and_tells_the_owner(app, client, session, make, ana, inbox):
    other_browser = app.test_client()
    give_session(other_browser, session, ana)  # a copied cookie, a phone...
    assert other_browser.get("/invoices").status_code == 200
    link_record = maillogin_tokens.mint(session, customer_id=ana.id, invoice_id=make.make_proforma(ana).id,
                                        sent_at=dt.datetime.now(dt.UTC), secret_key="test-secret-key")
    session.commit()
    ask_reset(client, ana.email)
    resp = set_password(client, inbox.link(ana.email))
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    assert "Your password was changed" in client.get("/login").get_data(as_text=True)
    session.expire_all()
    customer = session.get(Customer, ana.id)
    assert verify_password(customer.password_hash, NEW) and not verify_password(customer.password_hash, PASSWORD)
    assert other_browser.get("/invoices").status_code in (302, 303)  # the copied cookie is dead
    assert session.scalars(select(UserSession).where(UserSession.revoked_at.is_(None))).all() == []
    assert all(t.revoked_at is not None for t in session.scalars(select(MailLoginToken)))
    assert link_record
    notice = inbox.last(ana.email)
    assert notice["Subject"] == "Your Hostico password was changed"
    assert session.scalar(select(AuditLog).where(AuditLog.action == "customer.password_reset")) is not None
    login = client.post_form("/login", {"email": ana.email, "password": NEW})
    assert login.status_code == 302 and login.headers["Location"] == "/"


def test_a_link_works_once(app, client, session, ana, inbox):
    ask_reset(client, ana.email)
    link = inbox.link(ana.email)
    assert set_password(client, link).status_code == 303
    again = client.get(link)
    assert again.status_code == 404 and "no longer valid" in again.get_data(as_text=True)
    other = app.test_client()
    other.get(link)
    again_password = "yet-another-password"
    resp = other.post_form("/password/reset/new", {"password": again_password, "confirm": again_password},
                           token_from="/login")
    assert resp.status_code == 404
    session.expire_all()
    assert verify_password(session.get(Customer, ana.id).password_hash, NEW)


def test_an_expired_link_is_refused_like_a_forged_one(client, session, ana, inbox):
    ask_reset(client, ana.email)
    link = inbox.link(ana.email)
    record = session.scalar(select(AccountToken))
    record.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.commit()
    expired = client.get(link)
    forged = client.get(link[:-3] + "abc")
    truncated = client.get("/a/x")
    assert expired.status_code == forged.status_code == truncated.status_code == 404
    assert neutral(expired.get_data(as_text=True)) == neutral(forged.get_data(as_text=True))
    assert expired.headers["Referrer-Policy"] == "no-referrer" and "no-store" in expired.headers["Cache-Control"]
    page = client.get("/password/reset/new")
    assert page.status_code == 404
    session.expire_all()
    assert verify_password(session.get(Customer, ana.id).password_hash, PASSWORD)


def test_a_staff_link_does_not_reset_a_customer_and_back(app, client, session, make, inbox):
    staff = make.make_staff(email="ops@example.com")
    ask_reset(client, staff.email, url="/staff/password/reset")
    link = inbox.link(staff.email)
    followed = client.get(link)
    assert followed.headers["Location"] == "/staff/password/reset/new"
    # The customer page refuses a staff link kept in the session.
    resp = client.post_form("/password/reset/new", {"password": NEW, "confirm": NEW}, token_from="/login")
    assert resp.status_code == 404
    session.expire_all()
    assert verify_password(session.get(StaffUser, staff.id).password_hash, PASSWORD)


def test_a_too_short_or_mismatched_password_changes_nothing(client, session, ana, inbox):
    ask_reset(client, ana.email)
    link = inbox.link(ana.email)
    short = set_password(client, link, new="short", confirm="short")
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True).lower()
    differ = client.post_form("/password/reset/new", {"password": NEW, "confirm": NEW + "x"},
                              token_from="/password/reset/new")
    assert differ.status_code == 422 and "The two passwords differ." in differ.get_data(as_text=True)
    session.expire_all()
    assert verify_password(session.get(Customer, ana.id).password_hash, PASSWORD)
    assert session.scalar(select(AccountToken)).used_at is None
    assert set_password(client, link).status_code == 303  # the link still works after a refused form


def test_reset_keeps_two_factor_on(client, session, make, inbox):
    from hostico.accounts import second_factor

    customer = make.make_customer(email="twofa@example.com")
    second_factor.start_enrolment(customer)
    customer.totp_enabled = True
    session.commit()
    ask_reset(client, customer.email)
    set_password(client, inbox.link(customer.email))
    session.expire_all()
    assert session.get(Customer, customer.id).totp_enabled
    login = client.post_form("/login", {"email": customer.email, "password": NEW})
    assert login.status_code == 302 and login.headers["Location"] == "/login/2fa"


def test_staff_reset_ends_staff_sessions_and_the_code_is_still_asked(app, client, session, make, inbox):
    staff = make.make_staff(email="ops@example.com")
    desk = app.test_client()
    give_session(desk, session, staff, staff_mfa=True)
    assert desk.get("/staff/").status_code == 200
    ask_reset(client, staff.email, url="/staff/password/reset")
    resp = set_password(client, inbox.link(staff.email), url="/staff/password/reset/new")
    assert resp.status_code == 303 and resp.headers["Location"] == "/staff/login"
    assert desk.get("/staff/").status_code in (302, 303)
    login = client.post_form("/staff/login", {"email": staff.email, "password": NEW}, token_from="/staff/login")
    assert login.status_code == 302 and "/staff/login/" in login.headers["Location"]  # the code (or enrolment)
    assert inbox.last(staff.email)["Subject"] == "Your Hostico password was changed"


def test_a_disabled_staff_account_gets_no_email(client, session, make):
    make.make_staff(email="gone@example.com", active=False)
    assert ask_reset(client, "gone@example.com", url="/staff/password/reset").status_code == 200
    session.expire_all()
    assert session.scalars(select(OutboxMessage)).all() == []


def test_requests_are_throttled_per_address_and_per_client(app, client, session, ana):
    for _ in range(5):
        assert ask_reset(client, ana.email).status_code == 200
    assert ask_reset(client, ana.email).status_code == 429
    assert ask_reset(client, "someone.else@example.com").status_code == 200  # another address still answers
    answers = [ask_reset(client, f"x{n}@example.com").status_code for n in range(16)]
    assert answers[:12] == [200] * 12 and answers[-1] == 429  # at most 20 per client and hour


def test_an_account_gets_at_most_five_reset_emails_an_hour(app, session, ana):
    from hostico.web.database import db

    with app.app_context():
        for _ in range(7):
            recovery.request_password_reset(db.session, "customer", ana.email, ip="203.0.113.9")
        db.session.commit()
    session.expire_all()
    assert len(session.scalars(select(OutboxMessage).where(OutboxMessage.event == "password_reset")).all()) == 5
    assert session.scalar(select(AuditLog).where(AuditLog.action == "customer.password_reset_throttled"))


def test_the_link_is_redacted_in_logs(caplog):
    import logging

    from hostico.maillogin.redact import install_log_redaction

    install_log_redaction()
    with caplog.at_level(logging.INFO):
        logging.getLogger("werkzeug").info('"GET /a/SECRETtoken123 HTTP/1.1" 303 -')
    assert "/a/[redacted]" in caplog.text and "SECRETtoken123" not in caplog.text


def test_staff_outbox_shows_the_placeholder(app, client, session, make, ana, inbox, login_staff):
    ask_reset(client, ana.email)
    token = inbox.link(ana.email).rsplit("/", 1)[1]
    staff_client = app.test_client()
    login_staff(staff_client, make.make_staff())
    msg = session.scalar(select(OutboxMessage).where(OutboxMessage.event == "password_reset"))
    page = staff_client.get(f"/staff/outbox/{msg.id}").get_data(as_text=True)
    assert ACCOUNT_LINK_PLACEHOLDER in page and token not in page
