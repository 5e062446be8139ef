"""The second login step: TOTP codes (replay, drift, guessing) and single-use recovery codes."""

import datetime as dt
import time

import pyotp
import pytest
from sqlalchemy import select, update

from hostico.accounts import second_factor
from hostico.accounts.second_factor import new_secret
from hostico.auth import twofactor
from hostico.models import AuditLog, Customer
from tests.factories import PASSWORD


@pytest.fixture
def secret():
    return new_secret()


@pytest.fixture
def customer(make, secret):
    return make.make_customer(name="Dana Doi", totp_secret=secret, totp_enabled=True)


def code_at(secret: str, offset_seconds: int = 0) -> str:
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset_seconds))


def password_step(client, customer, next_url=None):
    data = {"email": customer.email, "password": PASSWORD}
    if next_url:
        data["next"] = next_url
    return client.post_form("/login", data)


def code_step(client, code):
    return client.post_form("/login/2fa", {"code": code}, token_from="/login/2fa")


def _user_id(client):
    with client.session_transaction() as sess:
        return sess.get("_user_id")


def test_password_alone_does_not_log_a_2fa_customer_in(client, customer):
    resp = password_step(client, customer)
    assert resp.status_code == 302 and resp.headers["Location"] == "/login/2fa"
    assert _user_id(client) is None
    assert client.get("/invoices").status_code == 302
    page = client.get("/login/2fa")
    assert page.status_code == 200 and "Enter your code" in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store" and page.headers["Referrer-Policy"] == "no-referrer"


def test_right_code_logs_in_with_a_new_session_and_goes_to_next(client, customer, secret, session):
    password_step(client, customer, next_url="/invoices")
    pending_cookie = client.get_cookie("session").value
    resp = code_step(client, code_at(secret))
    assert resp.headers["Location"] == "/invoices"
    assert _user_id(client) == customer.get_id()
    assert client.get_cookie("session").value != pending_cookie
    with client.session_transaction() as sess:
        assert twofactor.PENDING_KEY not in sess and sess["_fresh"] is True
    session.expire_all()
    assert session.scalar(select(AuditLog).where(AuditLog.action == "customer.2fa_passed")).data == {"method": "totp"}


def test_next_is_still_checked_after_the_code(client, customer, secret):
    password_step(client, customer, next_url="//evil.example/")
    assert code_step(client, code_at(secret)).headers["Location"] == "/"


def test_code_step_without_a_password_step_goes_back_to_login(client, customer, secret):
    assert client.get("/login/2fa").headers["Location"] == "/login"
    resp = client.post_form("/login/2fa", {"code": code_at(secret)})
    assert resp.headers["Location"] == "/login"
    assert _user_id(client) is None


def test_pending_step_expires(client, customer, secret):
    password_step(client, customer)
    with client.session_transaction() as sess:
        sess[twofactor.PENDING_KEY] = {**sess[twofactor.PENDING_KEY],
                                       "at": int(time.time()) - twofactor.PENDING_SECONDS - 1}
    resp = code_step(client, code_at(secret))
    assert resp.headers["Location"] == "/login" and _user_id(client) is None


def test_pending_step_dies_when_the_password_changes_meanwhile(client, customer, secret, session):
    password_step(client, customer)
    c = session.get(Customer, customer.id)
    c.session_epoch += 1
    session.commit()
    assert code_step(client, code_at(secret)).headers["Location"] == "/login"
    assert _user_id(client) is None


def test_wrong_code_is_refused_at_the_field(client, customer, secret, session):
    password_step(client, customer)
    good = code_at(secret)
    wrong = f"{(int(good) + 1) % 1000000:06d}"
    resp = code_step(client, wrong)
    assert resp.status_code == 401
    assert "Wrong code" in resp.get_data(as_text=True)
    assert _user_id(client) is None
    session.expire_all()
    assert session.scalar(select(AuditLog).where(AuditLog.action == "customer.2fa_failed")).customer_id == customer.id


def test_a_code_used_once_is_refused_the_second_time(app, customer, secret):
    code = code_at(secret)
    first, second = app.test_client(), app.test_client()
    password_step(first, customer)
    assert code_step(first, code).status_code == 302
    password_step(second, customer)  # an attacker who saw the code over the shoulder
    resp = code_step(second, code)
    assert resp.status_code == 401 and _user_id(second) is None


def test_an_older_code_is_refused_after_a_newer_one(app, customer, secret):
    c1, c2 = app.test_client(), app.test_client()
    password_step(c1, customer)
    assert code_step(c1, code_at(secret, +30)).status_code == 302
    password_step(c2, customer)
    assert code_step(c2, code_at(secret)).status_code == 401


@pytest.mark.parametrize("offset", [-30, 30])
def test_one_step_of_clock_drift_is_accepted(client, customer, secret, offset):
    password_step(client, customer)
    assert code_step(client, code_at(secret, offset)).status_code == 302
    assert _user_id(client) == customer.get_id()


@pytest.mark.parametrize("offset", [-90, 90])
def test_more_drift_is_refused(client, customer, secret, offset):
    password_step(client, customer)
    assert code_step(client, code_at(secret, offset)).status_code == 401


def test_guessing_codes_is_rate_limited_per_account(app, customer, secret):
    client = app.test_client()
    password_step(client, customer)
    token = client.csrf_token("/login/2fa")
    good = code_at(secret)
    wrong = [f"{(int(good) + i) % 1000000:06d}" for i in range(100, 110)]
    codes = [client.post("/login/2fa", data={"code": w, "csrf_token": token}).status_code for w in wrong]
    assert codes == [401] * 10
    assert client.post("/login/2fa", data={"code": good, "csrf_token": token}).status_code == 429
    # A second browser (another IP too) guessing the same account is limited as well.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
    password_step(other, customer)
    resp = other.post_form("/login/2fa", {"code": good}, token_from="/login/2fa")
    assert resp.status_code == 429
    assert _user_id(client) is None and _user_id(other) is None


def test_guessing_is_rate_limited_per_ip_across_accounts(app, make):
    """Spreading guesses over many accounts from one address is limited too (30 per 10 minutes)."""
    client = app.test_client()
    token = client.csrf_token("/login")
    statuses = []
    for _ in range(31):
        c = make.make_customer(totp_secret=new_secret(), totp_enabled=True)
        # Enter the pending state directly: the password step has its own, stricter per-IP limit.
        with client.session_transaction() as sess:
            sess[twofactor.PENDING_KEY] = {"cid": c.id, "epoch": c.session_epoch, "at": int(time.time()), "next": ""}
        statuses.append(client.post("/login/2fa", data={"code": "000000", "csrf_token": token}).status_code)
    assert statuses[:30] == [401] * 30 and statuses[30] == 429


def _issue_codes(session, customer_id) -> list[str]:
    c = session.get(Customer, customer_id)
    codes = second_factor.issue_recovery_codes(session, c)
    session.commit()
    return codes


def test_a_recovery_code_logs_in_once(app, session, customer):
    codes = _issue_codes(session, customer.id)
    first = app.test_client()
    password_step(first, customer, next_url="/services")
    resp = code_step(first, codes[3].upper())  # case and dash do not matter
    assert resp.headers["Location"] == "/services" and _user_id(first) == customer.get_id()
    second = app.test_client()
    password_step(second, customer)
    assert code_step(second, codes[3]).status_code == 401
    assert _user_id(second) is None
    session.expire_all()
    assert second_factor.remaining_recovery_codes(session, session.get(Customer, customer.id)) == 9
    passed = session.scalar(select(AuditLog).where(AuditLog.action == "customer.2fa_passed"))
    assert passed.data == {"method": "recovery"}


def test_another_customers_recovery_code_does_not_work(app, session, make, customer):
    other = make.make_customer(totp_secret=new_secret(), totp_enabled=True)
    codes = _issue_codes(session, other.id)
    _issue_codes(session, customer.id)
    client = app.test_client()
    password_step(client, customer)
    assert code_step(client, codes[0]).status_code == 401


def test_an_account_throttled_in_the_database_refuses_even_the_right_code(app, session, customer, secret):
    """The count of wrong codes lives on the account: a fresh browser and limiter do not reset it."""
    client = app.test_client()
    password_step(client, customer)
    wrong = f"{(int(code_at(secret)) + 500_000) % 1_000_000:06d}"
    assert code_step(client, wrong).status_code == 401
    session.expire_all()
    assert session.get(Customer, customer.id).second_factor_failures == 1  # kept although the step failed
    session.execute(update(Customer).where(Customer.id == customer.id)
                    .values(second_factor_failures=second_factor.MAX_FAILURES))
    session.commit()
    resp = code_step(client, code_at(secret))
    assert resp.status_code == 429 and "Too many wrong codes" in resp.get_data(as_text=True)
    assert _user_id(client) is None
