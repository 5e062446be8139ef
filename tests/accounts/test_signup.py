"""Opening an account at /signup (docs/accounts.md, "Sign-up"): an unverified account until the emailed link is
opened (24 hours, single use), the same answer for a free and a taken address (whose owner is told), an unverified
account that logs in sees only "confirm your email" and can ask for a new link; honeypot and throttles."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from hostico.accounts.passwords import verify_password
from hostico.models import AccountToken, AuditLog, Customer, OutboxMessage
from hostico.notify.account_links import ACCOUNT_LINK_PLACEHOLDER
from tests.factories import PASSWORD

SECRET = "a-long-new-password"


def sign_up(client, email, *, name="Maria Nouă", password=SECRET, language="ro", website=""):
    return client.post_form("/signup", {"name": name, "email": email, "password": password, "language": language,
                                        "website": website}, token_from="/signup")


def neutral(body: str, address: str) -> str:
    return re.sub(r'(value|href)="[^"]*"|"X-CSRFToken": "[^"]*"', "", body.replace(address, "ADDRESS"))


def confirm(client, link):
    followed = client.get(link)
    assert followed.status_code == 303 and followed.headers["Location"] == "/signup/confirm"
    page = client.get("/signup/confirm")
    assert page.status_code == 200 and "Confirm my email address" in page.get_data(as_text=True)
    return client.post_form("/signup/confirm", {}, token_from="/signup/confirm")


def test_login_links_to_signup(client):
    assert 'href="/signup"' in client.get("/login").get_data(as_text=True)


def test_sign_up_opens_an_unverified_account_and_emails_a_link(client, session, inbox):
    resp = sign_up(client, "Maria@Example.com", language="en")
    assert resp.status_code == 200 and "Check your email" in resp.get_data(as_text=True)
    session.expire_all()
    customer = session.scalar(select(Customer).where(Customer.email == "maria@example.com"))
    assert customer.email_verified_at is None and customer.language == "en" and customer.name == "Maria Nouă"
    assert verify_password(customer.password_hash, SECRET)
    link = inbox.link("maria@example.com")
    stored = session.scalar(select(OutboxMessage).where(OutboxMessage.event == "signup_confirm"))
    assert ACCOUNT_LINK_PLACEHOLDER in stored.body_text and link.rsplit("/", 1)[1] not in stored.body_text
    record = session.scalar(select(AccountToken).where(AccountToken.purpose == "signup"))
    assert record.expires_at - record.minted_at == dt.timedelta(hours=24)
    assert inbox.last("maria@example.com")["Subject"] == "Confirm your email address for Hostico"


def test_confirming_logs_in_and_the_link_works_once(app, client, session, inbox):
    sign_up(client, "maria@example.com", language="en")
    link = inbox.link("maria@example.com")
    resp = confirm(client, link)
    assert resp.status_code == 303 and resp.headers["Location"] == "/"
    assert "Your email address is confirmed" in client.get("/", follow_redirects=True).get_data(as_text=True)
    session.expire_all()
    assert session.scalar(select(Customer)).email_verified_at is not None
    other = app.test_client()
    assert other.get(link).status_code == 404


def test_an_unverified_account_logging_in_sees_only_confirm_your_email(client, session, inbox):
    sign_up(client, "maria@example.com")
    login = client.post_form("/login", {"email": "maria@example.com", "password": SECRET})
    assert login.status_code == 303 and login.headers["Location"] == "/signup/unconfirmed"
    page = client.get("/signup/unconfirmed").get_data(as_text=True)
    assert "Your account is not confirmed yet" in page and "maria@example.com" in page
    assert client.get("/my-details/billing-data").status_code == 302  # not logged in
    assert client.get("/order").status_code in (302, 200)
    first = inbox.link("maria@example.com")
    resent = client.post_form("/signup/unconfirmed", {}, token_from="/signup/unconfirmed")
    assert resent.status_code == 303
    second = inbox.link("maria@example.com")
    assert second != first
    assert confirm(client, second).status_code == 303
    assert client.get("/my-details/billing-data").status_code == 200  # logged in (billing data asked first)


def test_wrong_password_of_an_unverified_account_is_a_wrong_password(client):
    sign_up(client, "maria@example.com")
    login = client.post_form("/login", {"email": "maria@example.com", "password": "not-the-password"})
    assert login.status_code == 401 and "Wrong email or password." in login.get_data(as_text=True)


def test_a_taken_address_gets_the_same_answer_and_its_owner_a_note(client, session, make, inbox):
    owner = make.make_customer(name="Ioan Vechi", email="ioan@example.com")
    free = sign_up(client, "free@example.com")
    taken = sign_up(client, "IOAN@example.com")
    assert free.status_code == taken.status_code == 200
    assert neutral(free.get_data(as_text=True), "free@example.com") == \
        neutral(taken.get_data(as_text=True), "IOAN@example.com")
    session.expire_all()
    assert session.scalars(select(Customer).where(Customer.email == "ioan@example.com")).one().id == owner.id
    assert verify_password(session.get(Customer, owner.id).password_hash, PASSWORD)  # nothing changed
    note = inbox.last("ioan@example.com")
    assert note["Subject"] == "Someone tried to sign up with your address"
    body = note.get_body(("plain",)).get_content()
    assert "/password/reset" in body and "/a/" not in body and "Maria" not in body


def test_the_honeypot_opens_nothing_but_answers_the_same(client, session):
    resp = sign_up(client, "bot@example.com", website="http://spam.example")
    assert resp.status_code == 200 and "Check your email" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(Customer)).all() == [] and session.scalars(select(OutboxMessage)).all() == []


def test_bad_input_opens_nothing(client, session):
    short = sign_up(client, "maria@example.com", password="short")
    assert short.status_code == 422 and "at least 10 characters" in short.get_data(as_text=True).lower()
    no_name = sign_up(client, "maria@example.com", name="   ")
    assert no_name.status_code == 422
    session.expire_all()
    assert session.scalars(select(Customer)).all() == []


def test_an_expired_or_forged_link_confirms_nothing(client, session, inbox):
    sign_up(client, "maria@example.com")
    link = inbox.link("maria@example.com")
    record = session.scalar(select(AccountToken).where(AccountToken.purpose == "signup"))
    record.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
    session.commit()
    assert client.get(link).status_code == 404
    assert client.get(link[:-2] + "zz").status_code == 404
    assert client.get("/signup/confirm").status_code == 404
    session.expire_all()
    assert session.scalar(select(Customer)).email_verified_at is None


def test_a_signup_link_does_not_reset_a_password(client, session, inbox):
    sign_up(client, "maria@example.com")
    client.get(inbox.link("maria@example.com"))
    resp = client.post_form("/password/reset/new", {"password": "another-password1", "confirm": "another-password1"},
                            token_from="/login")
    assert resp.status_code == 404


def test_sign_ups_are_throttled_per_address_and_per_client(client):
    assert [sign_up(client, "maria@example.com").status_code for _ in range(4)] == [200, 200, 200, 429]
    answers = [sign_up(client, f"p{n}@example.com").status_code for n in range(8)]
    assert answers[:7] == [200] * 7 and answers[-1] == 429  # 10 per client and hour


def test_a_logged_in_customer_is_sent_to_the_dashboard(client, make, login_as):
    login_as(client, make.make_customer())
    assert client.get("/signup").headers["Location"] == "/"


def test_sign_up_is_audited(client, session):
    sign_up(client, "maria@example.com")
    session.expire_all()
    assert session.scalar(select(AuditLog).where(AuditLog.action == "customer.signed_up")) is not None


@pytest.mark.parametrize("language,subject", [("ro", "Confirmați adresa de email pentru Hostico")])
def test_the_email_speaks_the_chosen_language(client, inbox, language, subject):
    sign_up(client, "maria@example.com", language=language)
    assert inbox.last("maria@example.com")["Subject"] == subject
