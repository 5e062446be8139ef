"""Absolute session lifetime (docs/accounts.md; ASVS 3.3.2): a session ends HOSTICO_SESSION_MAX_HOURS (customers,
720) or HOSTICO_STAFF_SESSION_MAX_HOURS (staff, 12) after its login however busy it is, and a staff session
unused for HOSTICO_STAFF_IDLE_MINUTES (60) is over. A copied cookie dies with it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from hostico.models import UserSession
from tests.conftest import reconfigure


def _age(session, *, created: dt.timedelta | None = None, seen: dt.timedelta | None = None) -> None:
    """Move every session's login (created) and last use (seen) that far into the past."""
    now = dt.datetime.now(dt.UTC)
    values = {}
    if created is not None:
        values["created_at"] = now - created
    if seen is not None:
        values["last_seen_at"] = now - seen
    session.execute(update(UserSession).values(**values))
    session.commit()


@pytest.fixture
def customer(make):
    return make.make_customer(name="Sesiune Lungă")


@pytest.fixture
def staff_client(app, make, login_staff):
    client = app.test_client()
    login_staff(client, make.make_staff(role="admin"))
    return client


def test_a_customer_session_used_a_minute_ago_ends_30_days_after_its_login(client, customer, login_as, session):
    login_as(client, customer)
    _age(session, created=dt.timedelta(hours=719), seen=dt.timedelta(minutes=1))
    assert client.get("/").status_code == 200
    _age(session, created=dt.timedelta(hours=720, minutes=1), seen=dt.timedelta(minutes=1))
    resp = client.get("/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert "reason=ended" in resp.headers["Location"]


def test_the_customer_lifetime_is_a_setting(app, client, customer, login_as, session):
    reconfigure(app, SESSION_MAX_HOURS=2)
    login_as(client, customer)
    _age(session, created=dt.timedelta(hours=1))
    assert client.get("/").status_code == 200
    _age(session, created=dt.timedelta(hours=2, minutes=1))
    assert client.get("/").status_code == 302


def test_a_customer_session_idle_for_an_hour_lives_on(client, customer, login_as, session):
    login_as(client, customer)
    _age(session, seen=dt.timedelta(minutes=90))
    assert client.get("/").status_code == 200


def test_a_busy_staff_session_ends_12_hours_after_its_login(staff_client, session):
    _age(session, created=dt.timedelta(hours=11, minutes=50), seen=dt.timedelta(seconds=10))
    assert staff_client.get("/staff/").status_code == 200
    _age(session, created=dt.timedelta(hours=12, minutes=1), seen=dt.timedelta(seconds=10))
    resp = staff_client.get("/staff/customers")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/staff/login")
    assert staff_client.get("/staff/customers", headers={"HX-Request": "true"}).status_code == 401


def test_a_staff_session_unused_for_an_hour_is_over(staff_client, session):
    _age(session, seen=dt.timedelta(minutes=59))
    assert staff_client.get("/staff/").status_code == 200
    _age(session, seen=dt.timedelta(minutes=61))
    assert staff_client.get("/staff/").status_code == 302


def test_the_staff_limits_are_settings(app, staff_client, session):
    reconfigure(app, STAFF_IDLE_MINUTES=5, STAFF_SESSION_MAX_HOURS=1)
    _age(session, seen=dt.timedelta(minutes=6))
    assert staff_client.get("/staff/").status_code == 302


def test_staff_max_hours_ends_the_session_even_with_idle_refreshes(app, staff_client, session):
    reconfigure(app, STAFF_SESSION_MAX_HOURS=1)
    _age(session, created=dt.timedelta(minutes=61), seen=dt.timedelta(seconds=1))
    assert staff_client.get("/staff/").status_code == 302


def test_my_details_lists_no_session_past_its_lifetime(app, client, make, customer, login_as, session):
    from hostico.accounts.login_sessions import create

    login_as(client, customer)
    old, _raw = create(session, customer, user_agent="Old Browser 1.0")
    old.created_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=721)
    session.commit()
    page = client.get("/my-details").get_data(as_text=True)
    assert "Old Browser 1.0" not in page
