"""The password re-check (step-up, docs/accounts.md): "fresh" lasts HOSTICO_FRESH_MINUTES; every
re-check (email and mobile forms, password confirmation, password change, 2FA) goes through one function
that audits each attempt and, after a few wrong passwords on the account, refuses even the right one; and
enabling 2FA always asks for the password, so a copied fresh cookie cannot put an attacker's second factor
on the account."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select, update

from hostico.maillogin import links
from hostico.models import AuditLog, Customer, OutboxMessage, UserSession
from hostico.web.app_settings import settings as app_settings
from tests import factories
from tests.conftest import reconfigure
from tests.factories import PASSWORD

HX = {"HX-Request": "true"}
THROTTLED = "Too many wrong passwords."


@pytest.fixture
def customer(make):
    return make.make_customer(name="Pas Verificat", email="pas@example.com", phone_e164="+40722123456")


def link_session(client, session, customer):
    """Log in by following a mail link, as from an email: a session that is never fresh."""
    invoice = factories.make_proforma(session, customer, settings=app_settings(client.application).billing)
    url = links.invoice_link(session, customer_id=customer.id, invoice_id=invoice.id, invoice_code=invoice.code,
                             sent_at=dt.datetime.now(dt.UTC), base_url="http://localhost",
                             secret_key="test-secret-key")
    session.commit()
    client.post_form("/logout", token_from="/login")
    assert client.get(url.removeprefix("http://localhost")).status_code == 303


def email_change(client, password=None, email="thief@example.com"):
    data = {"name": "Pas Verificat", "email": email, **({"password": password} if password else {})}
    return client.post_form("/my-details/contact", data, headers=HX, token_from="/my-details")


def mobile_change(client, password=None, phone="0745 000 111"):
    data = {"phone": phone, **({"password": password} if password else {})}
    return client.post_form("/my-details/sms", data, headers=HX, token_from="/my-details")


def step_up_log(session, customer) -> list[tuple[str, str]]:
    session.expire_all()
    rows = session.scalars(select(AuditLog).where(AuditLog.action.like("customer.step_up_%"),
                                                  AuditLog.actor_id == customer.id).order_by(AuditLog.id))
    return [(row.action.removeprefix("customer.step_up_"), row.data["purpose"]) for row in rows]


def change_requests(session) -> int:
    return len(session.scalars(select(OutboxMessage.id).where(OutboxMessage.event.like("email_change_%"))).all())


# --- hole 1: rate limited and audited -------------------------------------------------------------------

def test_guessing_the_password_on_the_email_form_is_refused_after_five_tries_even_with_the_right_one(
        client, session, customer):
    link_session(client, session, customer)
    for guess in range(5):
        resp = email_change(client, password=f"guess-number-{guess}")
        assert resp.status_code == 422 and "Wrong password." in resp.get_data(as_text=True)
    resp = email_change(client, password=PASSWORD)
    assert resp.status_code == 422 and THROTTLED in resp.get_data(as_text=True)
    assert change_requests(session) == 0  # nothing was asked of any mailbox
    assert step_up_log(session, customer) == [("failed", "email_change")] * 5 + [("refused", "email_change")]
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "customer.step_up_failed")).first()
    assert entry.ip == "127.0.0.1" and entry.customer_id == customer.id and entry.actor_kind == "customer"


def test_the_email_and_mobile_forms_and_the_password_confirmation_share_one_counter(client, session, customer):
    link_session(client, session, customer)
    for _ in range(2):
        email_change(client, password="guess-on-email")
    for _ in range(2):
        mobile_change(client, password="guess-on-mobile")
    client.post_form("/my-details/security/confirm", {"confirm_password": "guess-on-confirm"},
                     token_from="/my-details")
    resp = mobile_change(client, password=PASSWORD)
    assert resp.status_code == 422 and THROTTLED in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Customer, customer.id).phone_e164 == "+40722123456"
    purposes = [purpose for outcome, purpose in step_up_log(session, customer) if outcome == "failed"]
    assert purposes == ["email_change"] * 2 + ["mobile_change"] * 2 + ["confirm"]


def test_the_password_change_form_counts_its_wrong_passwords_too(client, session, customer, login_as):
    login_as(client, customer)
    for _ in range(5):
        client.post_form("/my-details/password", {"current_password": "not-my-password", "new_password": "x" * 12,
                                                  "new_password_repeat": "x" * 12}, token_from="/my-details")
    resp = client.post_form("/my-details/password", {"current_password": PASSWORD, "new_password": "y" * 12,
                                                     "new_password_repeat": "y" * 12}, token_from="/my-details")
    assert THROTTLED in resp.get_data(as_text=True)
    assert step_up_log(session, customer)[-1] == ("refused", "password_change")


def test_the_throttle_ends_when_the_window_has_passed(client, session, customer):
    link_session(client, session, customer)
    for _ in range(5):
        email_change(client, password="wrong-wrong")
    session.execute(update(AuditLog).values(at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)))
    session.commit()
    resp = email_change(client, password=PASSWORD)
    assert resp.status_code == 200 and "We sent a confirmation link" in resp.get_data(as_text=True)
    assert step_up_log(session, customer)[-1] == ("passed", "email_change")


def test_a_right_password_resets_the_count(client, session, customer):
    link_session(client, session, customer)
    for _ in range(4):
        mobile_change(client, password="wrong-wrong")
    assert mobile_change(client, password=PASSWORD).status_code == 200
    link_session(client, session, customer)  # a new, non-fresh session again
    for _ in range(4):
        resp = mobile_change(client, password="wrong-again", phone="0745 000 222")
        assert "Wrong password." in resp.get_data(as_text=True)


def test_the_attempts_allowed_are_a_setting(app, client, session, customer):
    reconfigure(app, STEP_UP_ATTEMPTS=2)
    link_session(client, session, customer)
    email_change(client, password="one-wrong")
    email_change(client, password="two-wrong")
    assert THROTTLED in email_change(client, password=PASSWORD).get_data(as_text=True)


def test_a_right_password_is_audited_and_makes_the_session_fresh(client, session, customer):
    link_session(client, session, customer)
    assert "Changing your mobile number needs your current password" in client.get(
        "/my-details").get_data(as_text=True)
    resp = client.post_form("/my-details/security/confirm", {"confirm_password": PASSWORD}, token_from="/my-details")
    assert resp.status_code == 303
    assert step_up_log(session, customer) == [("passed", "confirm")]
    assert mobile_change(client).status_code == 200  # no password asked any more
    session.expire_all()
    assert session.get(Customer, customer.id).phone_e164 == "+40745000111"


# --- fresh expires ----------------------------------------------------------------------------------------

def test_a_password_login_stops_being_fresh_after_the_configured_minutes(app, client, session, customer, login_as):
    login_as(client, customer)
    assert mobile_change(client).status_code == 200  # fresh: no password asked
    session.execute(update(UserSession).values(fresh_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)))
    session.commit()
    resp = mobile_change(client, phone="0745 000 222")
    assert resp.status_code == 422 and "Enter your current password" in resp.get_data(as_text=True)
    reconfigure(app, FRESH_MINUTES=30)
    assert mobile_change(client, phone="0745 000 222").status_code == 200


def test_a_stale_session_cannot_change_the_password_until_it_confirms(client, session, customer, login_as):
    login_as(client, customer)
    session.execute(update(UserSession).values(fresh_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=11)))
    session.commit()
    resp = client.post_form("/my-details/password", {"current_password": PASSWORD, "new_password": "z" * 12,
                                                     "new_password_repeat": "z" * 12}, token_from="/my-details")
    assert resp.status_code == 303 and resp.headers["Location"] == "/my-details#security"
    assert "For your security, confirm your password first." in client.get("/my-details").get_data(as_text=True)


# --- hole 4, second half: enabling 2FA (and moving the email address) asks for the password -----------------

def test_a_copied_fresh_cookie_cannot_move_the_email_address_without_the_password(app, client, session, customer,
                                                                                   login_as):
    login_as(client, customer)
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    resp = email_change(thief)
    assert resp.status_code == 422 and "Enter your current password" in resp.get_data(as_text=True)
    assert email_change(thief, password="a-guess-1").status_code == 422
    assert change_requests(session) == 0
    assert email_change(client, password=PASSWORD).status_code == 200  # the owner, with the password
    assert change_requests(session) == 1


def test_a_copied_fresh_cookie_cannot_enable_2fa_without_the_password(app, client, session, customer, login_as):
    login_as(client, customer)
    client.post_form("/my-details/2fa/setup", token_from="/my-details")
    secret = session.scalar(select(Customer.totp_secret).where(Customer.id == customer.id))
    thief = app.test_client()
    thief.set_cookie("session", client.get_cookie("session").value)
    page = thief.get("/my-details/2fa/setup").get_data(as_text=True)
    assert 'name="password"' in page  # fresh or not, the password is asked
    resp = thief.post_form("/my-details/2fa/enable", {"code": pyotp.TOTP(secret).now()},
                           token_from="/my-details/2fa/setup")
    assert resp.status_code == 200 and "This field is required." in resp.get_data(as_text=True)
    resp = thief.post_form("/my-details/2fa/enable", {"code": pyotp.TOTP(secret).now(), "password": "a-guess-1"},
                           token_from="/my-details/2fa/setup")
    assert "Wrong password." in resp.get_data(as_text=True)
    session.expire_all()
    assert not session.get(Customer, customer.id).totp_enabled
    assert step_up_log(session, customer) == [("failed", "2fa_enable")]


def test_enabling_2fa_with_the_password_and_a_code_works(client, session, customer, login_as):
    login_as(client, customer)
    client.post_form("/my-details/2fa/setup", token_from="/my-details")
    secret = session.scalar(select(Customer.totp_secret).where(Customer.id == customer.id))
    resp = client.post_form("/my-details/2fa/enable", {"code": pyotp.TOTP(secret).now(), "password": PASSWORD},
                            token_from="/my-details/2fa/setup")
    assert resp.status_code == 200 and "recovery" in resp.get_data(as_text=True).lower()
    session.expire_all()
    assert session.get(Customer, customer.id).totp_enabled
    assert step_up_log(session, customer) == [("passed", "2fa_enable")]


# --- the limit holds under parallel attempts (SQLite too: hostico.db.for_update takes the write lock) --------

def _parallel_step_ups(app, customer_id: int, passwords: list[str]) -> list[str]:
    """Run one step-up per password, all at once, each in its own transaction; return each outcome."""
    import threading

    from sqlalchemy.orm import Session

    from hostico.accounts import stepup
    from hostico.web.database import db

    engine = db.get(app).engine
    settings = app_settings(app).accounts
    barrier = threading.Barrier(len(passwords))
    outcomes: list[str] = []

    def attempt(password: str) -> None:
        with Session(bind=engine, expire_on_commit=False) as s:
            user = s.get(Customer, customer_id)
            s.commit()  # as in a request: the user was read, the step-up runs in a transaction of its own
            barrier.wait(60)
            try:
                stepup.step_up(s, user, password, settings=settings, purpose="confirm", ip="203.0.113.9")
                outcomes.append("passed")
            except stepup.TooManyAttempts:
                outcomes.append("refused")
            except stepup.WrongPassword:
                outcomes.append("failed")
            s.commit()

    threads = [threading.Thread(target=attempt, args=(p,)) for p in passwords]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return outcomes


def test_twenty_four_parallel_wrong_passwords_count_exactly_five_and_the_right_one_is_then_refused(
        app, session, customer):
    outcomes = _parallel_step_ups(app, customer.id, [f"wrong-guess-{n}" for n in range(24)])
    assert sorted(outcomes) == ["failed"] * 5 + ["refused"] * 19
    assert _parallel_step_ups(app, customer.id, [PASSWORD]) == ["refused"]
    assert [o for o, _ in step_up_log(session, customer)].count("failed") == 5


def test_a_right_password_among_parallel_guesses_passes_only_before_the_fifth_failure(app, session, customer):
    outcomes = _parallel_step_ups(app, customer.id, [f"wrong-guess-{n}" for n in range(23)] + [PASSWORD])
    log = [o for o, _ in step_up_log(session, customer)]  # in the order the lock let them through
    assert sorted(outcomes) == sorted(log)
    if "passed" in log:
        assert log[:log.index("passed")].count("failed") < 5
    assert log.count("failed") <= 10  # at most five before and five after a right one
