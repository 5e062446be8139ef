"""Accounts staff open (docs/accounts.md, "Invitations"): admin and support roles at /staff/customers/new, an
invitation email whose link sets the password (72 hours, single use), resendable from the customer page, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.accounts.passwords import UNUSABLE_PASSWORD, verify_password
from hostico.models import AccountToken, AuditLog, Customer, OutboxMessage
from hostico.notify.account_links import ACCOUNT_LINK_PLACEHOLDER

CHOSEN = "my-own-passphrase"


def invite(desk, email="nou@example.com", name="Client Nou", language="ro", **billing):
    return desk.post_form("/staff/customers/new", {"account-name": name, "account-email": email,
                                                   "account-language": language, **billing},
                          token_from="/staff/customers/new")


def accept(client, link, password=CHOSEN, confirm=None):
    followed = client.get(link)
    assert followed.status_code == 303 and followed.headers["Location"] == "/invitation"
    return client.post_form("/invitation", {"password": password, "confirm": confirm or password},
                            token_from="/invitation")


def test_support_creates_a_customer_who_gets_an_invitation(desk, session, inbox):
    resp = invite(desk)
    session.expire_all()
    customer = session.scalar(select(Customer).where(Customer.email == "nou@example.com"))
    assert resp.status_code == 303 and resp.headers["Location"] == f"/staff/customers/{customer.id}"
    assert customer.password_hash == UNUSABLE_PASSWORD and customer.email_verified_at is None
    page = desk.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Invitation not accepted yet" in page and "Send a new invitation" in page
    msg = inbox.last("nou@example.com")
    assert msg["Subject"] == "Contul dumneavoastră Hostico este gata: alegeți o parolă"  # the customer's language
    assert "în cel mult 72 de ore" in msg.get_body(("plain",)).get_content()  # "72 de ore", as Romanian says it
    stored = session.scalar(select(OutboxMessage).where(OutboxMessage.event == "invitation"))
    assert ACCOUNT_LINK_PLACEHOLDER in stored.body_html
    record = session.scalar(select(AccountToken).where(AccountToken.purpose == "invitation"))
    assert record.expires_at - record.minted_at == dt.timedelta(hours=72)
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "customer.invited"))
    assert entry.actor_kind == "staff" and entry.actor_id == desk.staff.id


def test_the_invitation_sets_the_password_and_logs_in_once(app, desk, session, inbox):
    invite(desk)
    link = inbox.link("nou@example.com")
    client = app.test_client()
    assert client.post_form("/login", {"email": "nou@example.com", "password": ""}).status_code == 401
    resp = accept(client, link)
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert client.get("/my-details/billing-data").status_code == 200  # logged in (billing data asked first)
    session.expire_all()
    customer = session.scalar(select(Customer).where(Customer.email == "nou@example.com"))
    assert verify_password(customer.password_hash, CHOSEN) and customer.email_verified_at is not None
    assert app.test_client().get(link).status_code == 404  # single use
    assert session.scalar(select(AuditLog).where(AuditLog.action == "customer.invitation_accepted"))


def test_a_resent_invitation_replaces_the_earlier_link(app, desk, session, inbox):
    invite(desk)
    first = inbox.link("nou@example.com")
    customer = session.scalar(select(Customer).where(Customer.email == "nou@example.com"))
    resp = desk.post_form(f"/staff/customers/{customer.id}/invitation", {},
                          token_from=f"/staff/customers/{customer.id}")
    assert resp.status_code == 303
    second = inbox.link("nou@example.com")
    assert second != first
    assert app.test_client().get(first).status_code == 404
    assert accept(app.test_client(), second).status_code == 303
    again = desk.post_form(f"/staff/customers/{customer.id}/invitation", {},
                           token_from=f"/staff/customers/{customer.id}")
    assert again.status_code == 303
    assert "has set a password already" in desk.get(again.headers["Location"]).get_data(as_text=True)


def test_an_expired_invitation_is_refused(app, desk, session, inbox):
    invite(desk)
    link = inbox.link("nou@example.com")
    record = session.scalar(select(AccountToken).where(AccountToken.purpose == "invitation"))
    record.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.commit()
    assert app.test_client().get(link).status_code == 404


def test_a_taken_address_or_no_name_is_a_field_error(desk, session, make):
    make.make_customer(email="exista@example.com")
    taken = invite(desk, email="EXISTA@example.com")
    assert taken.status_code == 422 and "exists already" in taken.get_data(as_text=True)
    bad = invite(desk, email="not-an-email")
    assert bad.status_code == 422
    session.expire_all()
    assert len(session.scalars(select(Customer)).all()) == 1
    assert session.scalars(select(OutboxMessage)).all() == []


def test_a_short_password_changes_nothing(app, desk, session, inbox):
    invite(desk)
    client = app.test_client()
    resp = accept(client, inbox.link("nou@example.com"), password="short")
    assert resp.status_code == 422
    session.expire_all()
    assert session.scalar(select(Customer).where(Customer.email == "nou@example.com")).password_hash == \
        UNUSABLE_PASSWORD


@pytest.mark.parametrize("role,allowed", [("admin", True), ("support", True), ("billing", False)])
def test_only_admin_and_support_create_customers(app, make, login_staff, role, allowed):
    client = app.test_client()
    login_staff(client, make.make_staff(role=role))
    assert (client.get("/staff/customers/new").status_code == 200) is allowed
    assert ("/staff/customers/new" in client.get("/staff/customers").get_data(as_text=True)) is allowed


def test_customers_cannot_reach_the_page(client, make, login_as):
    login_as(client, make.make_customer())
    assert client.get("/staff/customers/new").status_code == 403
