"""Changing the email address (docs/accounts.md): the form never tells whether an address belongs to another
account — the answer is the same for a free and a taken address, and the new mailbox receives either a
confirmation link or a note — requests are throttled, and confirming ends every other session."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from hostico.accounts import email_change
from hostico.models import AuditLog, Customer, MailLoginToken, OutboxMessage
from tests.factories import PASSWORD

HX = {"HX-Request": "true"}


@pytest.fixture
def ana(make):
    return make.make_customer(name="Ana Schimbă", email="ana@example.com")


@pytest.fixture
def taken(make):
    return make.make_customer(name="Bob Ocupat", email="bob@example.com")


def request_change(client, email, password=PASSWORD):
    data = {"name": "Ana Schimbă", "email": email, **({"password": password} if password else {})}
    return client.post_form("/my-details/contact", data, headers=HX, token_from="/my-details")


def neutral(body: str, address: str) -> str:
    """The answer with the address asked for (the one thing that differs) blanked, and the CSRF token too."""
    body = body.replace(address, "ADDRESS")
    return re.sub(r'name="csrf_token" (type="hidden" )?value="[^"]+"', "CSRF", body)


def outbox(session, event) -> list[OutboxMessage]:
    session.expire_all()
    return session.scalars(select(OutboxMessage).where(OutboxMessage.event == event).order_by(OutboxMessage.id)).all()


def test_a_taken_and_a_free_address_get_the_same_answer(app, client, session, ana, taken, login_as):
    login_as(client, ana)
    free = request_change(client, "ana.new@example.com")
    busy = request_change(client, "BOB@example.com")
    assert free.status_code == busy.status_code == 200
    assert "belongs to another account" not in busy.get_data(as_text=True)
    assert neutral(free.get_data(as_text=True), "ana.new@example.com") == \
        neutral(busy.get_data(as_text=True), "bob@example.com")
    session.expire_all()
    assert session.get(Customer, ana.id).email == "ana@example.com"
    assert session.get(Customer, taken.id).email == "bob@example.com"


def test_without_the_password_nothing_is_learnt_either(app, client, session, ana, taken, login_as):
    login_as(client, ana)
    free = request_change(client, "ana.new@example.com", password=None)
    busy = request_change(client, "bob@example.com", password=None)
    assert free.status_code == busy.status_code == 422
    assert neutral(free.get_data(as_text=True), "ana.new@example.com") == \
        neutral(busy.get_data(as_text=True), "bob@example.com")
    assert "Enter your current password" in busy.get_data(as_text=True)
    assert outbox(session, "email_change_taken") == [] and outbox(session, "email_change_confirm") == []


def test_the_owner_of_a_taken_address_gets_a_note_without_a_link_or_the_askers_name(
        client, session, ana, taken, login_as, deliver, smtp_server):
    login_as(client, ana)
    request_change(client, "bob@example.com")
    note = outbox(session, "email_change_taken")[0]
    assert note.recipient == "bob@example.com" and "token" not in note.context
    deliver()
    note = outbox(session, "email_change_taken")[0]
    assert note.status == "sent" and note.recipient == "bob@example.com"  # never re-addressed to Ana
    assert "already belongs to an account" in note.body_text and "/my-details/email/confirm" not in note.body_text
    assert "Ana" not in note.body_text and "Ana" not in note.body_html
    assert outbox(session, "email_change_confirm") == []


def test_the_new_address_confirms_the_change_which_ends_every_other_session(
        app, client, session, ana, login_as, make, deliver, smtp_server):
    invoice = make.make_proforma(ana)
    from hostico.maillogin import links

    links.invoice_link(session, customer_id=ana.id, invoice_id=invoice.id, invoice_code=invoice.code,
                       sent_at=dt.datetime.now(dt.UTC), base_url="http://localhost", secret_key="test-secret-key")
    session.commit()
    login_as(client, ana)
    other_device = app.test_client()
    login_as(other_device, ana)
    request_change(client, "Ana.New@Example.com")
    deliver()
    confirm = outbox(session, "email_change_confirm")[0]
    assert confirm.recipient == "ana.new@example.com" and confirm.status == "sent"
    path = re.search(r"http://localhost(/my-details/email/confirm/\S+)", confirm.body_text).group(1)
    page = client.get(path)
    assert page.status_code == 200 and "ana.new@example.com" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"
    session.expire_all()
    assert session.get(Customer, ana.id).email == "ana@example.com"  # a GET changes nothing
    resp = client.post_form("/my-details/email/confirm", {"token": path.rsplit("/", 1)[1]}, token_from=path)
    assert resp.status_code == 303
    assert "Your email address is now ana.new@example.com." in client.get("/my-details").get_data(as_text=True)
    assert other_device.get("/").status_code == 302  # every other session ended
    session.expire_all()
    assert session.get(Customer, ana.id).email == "ana.new@example.com"
    assert session.scalars(select(MailLoginToken.revoked_reason)).one() == "email_changed"
    changed = session.scalars(select(AuditLog).where(AuditLog.action == "customer.email_changed")).one()
    assert changed.data == {"before": "ana@example.com", "after": "ana.new@example.com"}
    deliver()
    notice = outbox(session, "email_changed")[0]
    assert notice.recipient == "ana@example.com" and notice.status == "sent"  # the old mailbox is told
    # The link works once: the address it was made for is no longer the account's.
    again = client.post_form("/my-details/email/confirm", {"token": path.rsplit("/", 1)[1]}, token_from="/my-details")
    assert again.status_code == 400 and "no longer valid" in again.get_data(as_text=True)


def test_a_confirmation_link_works_only_for_its_own_customer(app, client, session, ana, make, login_as):
    login_as(client, ana)
    request_change(client, "ana.new@example.com")
    token = outbox(session, "email_change_confirm")[0].context["token"]
    mallory = make.make_customer(email="mallory@example.com")
    other = app.test_client()
    login_as(other, mallory)
    assert other.get(f"/my-details/email/confirm/{token}").status_code == 404
    resp = other.post_form("/my-details/email/confirm", {"token": token}, token_from="/my-details")
    assert resp.status_code == 404
    session.expire_all()
    assert session.get(Customer, mallory.id).email == "mallory@example.com"
    assert session.get(Customer, ana.id).email == "ana@example.com"


def test_an_expired_or_altered_link_changes_nothing(app, client, session, ana, login_as, monkeypatch):
    login_as(client, ana)
    request_change(client, "ana.new@example.com")
    token = outbox(session, "email_change_confirm")[0].context["token"]
    altered = token[:-3] + ("aaa" if not token.endswith("aaa") else "bbb")
    resp = client.post_form("/my-details/email/confirm", {"token": altered}, token_from="/my-details")
    assert resp.status_code == 400
    monkeypatch.setattr(email_change, "CONFIRM_HOURS", -1)  # as if a day had passed
    assert client.post_form("/my-details/email/confirm", {"token": token}, token_from="/my-details").status_code == 400
    session.expire_all()
    assert session.get(Customer, ana.id).email == "ana@example.com"


def test_an_address_taken_before_the_confirmation_is_refused(client, session, ana, make, login_as):
    login_as(client, ana)
    request_change(client, "shared@example.com")
    token = outbox(session, "email_change_confirm")[0].context["token"]
    make.make_customer(email="shared@example.com")
    resp = client.post_form("/my-details/email/confirm", {"token": token}, token_from="/my-details")
    assert resp.status_code == 400 and "can no longer be used" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Customer, ana.id).email == "ana@example.com"


def test_requests_are_throttled_the_same_for_free_and_taken_addresses(client, session, ana, taken, login_as):
    login_as(client, ana)
    for n in range(email_change.MAX_REQUESTS):
        assert request_change(client, f"try{n}@example.com" if n % 2 else "bob@example.com").status_code == 200
    for address in ("later@example.com", "bob@example.com"):
        resp = request_change(client, address)
        assert resp.status_code == 422 and "too many times" in resp.get_data(as_text=True)
    assert len(outbox(session, "email_change_confirm")) + len(outbox(session, "email_change_taken")) == 5
    requested = session.scalars(select(AuditLog).where(AuditLog.action == "customer.email_change_requested")).all()
    assert len(requested) == 5 and {r.data["taken"] for r in requested} == {True, False}


def test_confirming_needs_a_post_with_csrf(client, session, ana, login_as):
    login_as(client, ana)
    request_change(client, "ana.new@example.com")
    token = outbox(session, "email_change_confirm")[0].context["token"]
    assert client.post("/my-details/email/confirm", data={"token": token}).status_code == 400
    session.expire_all()
    assert session.get(Customer, ana.id).email == "ana@example.com"
