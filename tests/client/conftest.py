"""Fixtures of the customer-side tests."""

import pytest

from hostico.accounts import second_factor
from hostico.accounts.second_factor import new_secret


@pytest.fixture
def enrolled(make, session):
    """A customer with 2FA on: (customer, TOTP secret, recovery codes)."""
    secret = new_secret()
    c = make.make_customer(totp_secret=secret, totp_enabled=True)
    codes = second_factor.issue_recovery_codes(session, c)
    session.commit()
    return c, secret, codes
