"""docs/security.md item 1, docs/accounts.md: wrong passwords are counted per account *and client* together, with
a growing delay rather than a lock — an attacker's guesses never stop the owner logging in from their own
client — and every wrong password is audited, for an unknown address the same way."""

from __future__ import annotations

import datetime as dt

import pyotp
import pytest
from sqlalchemy import select, update

from hostico.accounts.login_attempts import delay_after
from hostico.accounts.second_factor import new_secret
from hostico.models import AuditLog, LoginThrottle
from tests.factories import PASSWORD

ATTACKER, OWNER = "198.51.100.66", "203.0.113.10"
DELAYED = "Too many wrong passwords for this address from this device. Try again in"


def _login(client, email, password, ip, url="/login"):
    token = client.csrf_token(url)
    return client.post(url, data={"email": email, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": ip})


def _wait_over(session) -> None:
    """Let every client's current delay pass (the clock moved on)."""
    session.execute(update(LoginThrottle).values(last_failed_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=16)))
    session.commit()


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    """The delays are seconds long: on a loaded machine a few slow password checks (argon2) outlast the first
    one, and the next attempt would be let through. The throttle's clock stands still within a test."""
    from hostico.accounts import login_attempts

    now = dt.datetime.now(dt.UTC)
    monkeypatch.setattr(login_attempts, "utcnow", lambda: now)


@pytest.fixture
def customer(make):
    return make.make_customer(name="Titular Cont")


def test_ten_wrong_passwords_from_an_attacker_never_stop_the_owner_from_their_client(client, app, customer):
    codes = [_login(client, customer.email, f"guess-{n}", ATTACKER).status_code for n in range(10)]
    assert codes[:5] == [401] * 5 and 429 in codes  # the attacker waits...
    owner = app.test_client()
    resp = _login(owner, customer.email, PASSWORD, OWNER)
    assert resp.status_code == 302 and owner.get("/").status_code == 200  # ...the owner does not


def test_the_delay_grows_with_each_wrong_password_and_holds_even_the_right_one(client, session, customer):
    for n in range(5):
        assert _login(client, customer.email, f"typo-{n}", ATTACKER).status_code == 401
    resp = _login(client, customer.email, PASSWORD, ATTACKER)
    assert resp.status_code == 429 and f"{DELAYED} 2 seconds." in resp.get_data(as_text=True)
    _wait_over(session)
    assert _login(client, customer.email, "typo-6", ATTACKER).status_code == 401
    resp = _login(client, customer.email, "typo-7", ATTACKER)
    assert resp.status_code == 429 and f"{DELAYED} 4 seconds." in resp.get_data(as_text=True)
    assert [delay_after(n).total_seconds() for n in (4, 5, 6, 7, 30)] == [0, 2, 4, 8, 900]


def test_after_the_delay_the_right_password_logs_in_and_starts_the_count_again(client, session, customer):
    for n in range(6):
        _login(client, customer.email, f"typo-{n}", OWNER)
    _wait_over(session)
    assert _login(client, customer.email, PASSWORD, OWNER).status_code == 302
    assert session.scalars(select(LoginThrottle)).all() == []


def test_an_unknown_address_is_counted_and_answered_the_same_way(client):
    codes = [_login(client, "nobody@example.com", f"guess-{n}", ATTACKER).status_code for n in range(6)]
    assert codes == [401] * 5 + [429]


def test_the_delay_is_kept_in_the_database_not_in_one_process(app, client, customer):
    from tests.conftest import CSRFClient

    for n in range(5):
        _login(client, customer.email, f"guess-{n}", ATTACKER)
    other_worker = app.test_client()
    assert isinstance(other_worker, CSRFClient)
    assert _login(other_worker, customer.email, PASSWORD, ATTACKER).status_code == 429


def test_a_wrong_customer_password_is_audited_with_the_account_and_address(client, session, customer):
    _login(client, customer.email, "not-the-password", ATTACKER)
    _login(client, "nobody@example.com", "not-the-password", ATTACKER)
    rows = session.scalars(select(AuditLog).where(AuditLog.action == "customer.login_failed")
                           .order_by(AuditLog.id)).all()
    assert [(r.customer_id, r.ip, r.data) for r in rows] == [
        (customer.id, ATTACKER, {"account": "known"}), (None, ATTACKER, {"account": "unknown"})]
    assert all("not-the-password" not in str(r.data) and "nobody@" not in str(r.data) for r in rows)


# --- staff -------------------------------------------------------------------------------------------------

@pytest.fixture
def staff(make):
    return make.make_staff(role="admin", totp_secret=new_secret(), totp_enabled=True)


def test_staff_wrong_passwords_are_delayed_per_client_and_audited(app, client, session, staff):
    codes = [_login(client, staff.email, f"guess-{n}", ATTACKER, "/staff/login").status_code for n in range(7)]
    assert codes[:5] == [401] * 5 and codes[-1] == 429
    owner = app.test_client()
    resp = _login(owner, staff.email, PASSWORD, OWNER, "/staff/login")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/staff/login/code")
    failed = session.scalars(select(AuditLog).where(AuditLog.action == "staff.login_failed")).all()
    assert len(failed) == 5 and {(r.object_type, r.object_id, r.ip) for r in failed} == {
        ("StaffUser", str(staff.id), ATTACKER)}


def test_a_wrong_staff_code_is_audited(app, client, session, staff):
    _login(client, staff.email, PASSWORD, OWNER, "/staff/login")
    token = client.csrf_token("/staff/login/code")
    wrong = f"{(int(pyotp.TOTP(staff.totp_secret).now()) + 1) % 1_000_000:06d}"
    resp = client.post("/staff/login/code", data={"code": wrong, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": OWNER})
    assert resp.status_code == 401
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "staff.2fa_failed"))
    assert (entry.object_id, entry.ip, entry.data) == (str(staff.id), OWNER, {"step": "login"})
    resp = client.post("/staff/login/code", data={"code": pyotp.TOTP(staff.totp_secret).now(), "csrf_token": token},
                       environ_base={"REMOTE_ADDR": OWNER})
    assert resp.status_code == 302
    assert session.scalar(select(AuditLog).where(AuditLog.action == "staff.2fa_passed")) is not None
