"""The password login's check (hostico/accounts/login_attempts.py, docs/accounts.md), without the app's views:
the delay per address and client, forgetting after a day, and accounts that may not log in."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.accounts.login_attempts import LoginDelayed, password_login, wait_left
from hostico.models import Customer, LoginThrottle, StaffUser
from tests.factories import PASSWORD

NOW = dt.datetime(2026, 12, 5, 8, 0, tzinfo=dt.UTC)


def _fail(session, model, email, client, n, now=NOW):
    for _ in range(n):
        assert password_login(session, model, email, "wrong-password", client=client, now=now) is None


def test_the_delay_belongs_to_one_address_and_one_client(session, make):
    customer = make.make_customer()
    _fail(session, Customer, customer.email, "198.51.100.1", 5)
    assert wait_left(session, "customer", customer.email, "198.51.100.1", now=NOW) == dt.timedelta(seconds=2)
    assert wait_left(session, "customer", customer.email, "203.0.113.1", now=NOW) == dt.timedelta(0)
    assert wait_left(session, "staff", customer.email, "198.51.100.1", now=NOW) == dt.timedelta(0)
    with pytest.raises(LoginDelayed) as err:
        password_login(session, Customer, customer.email, PASSWORD, client="198.51.100.1", now=NOW)
    assert err.value.params == {"seconds": 2}
    assert password_login(session, Customer, customer.email.upper(), PASSWORD, client="203.0.113.1",
                          now=NOW) == customer


def test_a_day_without_wrong_passwords_starts_the_count_again(session, make):
    customer = make.make_customer()
    _fail(session, Customer, customer.email, "198.51.100.1", 5)
    later = NOW + dt.timedelta(hours=25)
    assert wait_left(session, "customer", customer.email, "198.51.100.1", now=later) == dt.timedelta(0)
    _fail(session, Customer, customer.email, "198.51.100.1", 1, now=later)
    assert session.scalar(select(LoginThrottle.failures)) == 1


def test_the_table_keeps_no_address(session, make):
    _fail(session, Customer, "secret-typed@example.com", "198.51.100.1", 1)
    row = session.scalar(select(LoginThrottle))
    assert "secret" not in row.key_hash and len(row.key_hash) == 64


def test_a_disabled_staff_user_and_a_closed_account_never_log_in(session, make):
    staff = make.make_staff(active=False)
    assert password_login(session, StaffUser, staff.email, PASSWORD, client="198.51.100.1", now=NOW) is None
    customer = make.make_customer()
    customer.closed_at = NOW
    session.flush()
    assert password_login(session, Customer, customer.email, PASSWORD, client="198.51.100.1", now=NOW) is None
