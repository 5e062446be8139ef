"""Fixtures of the customer-side tests."""

import pytest

from hostico.accounts import second_factor
from hostico.accounts.second_factor import new_secret
from hostico.web import pdf as pdf_module


@pytest.fixture
def pdf_html(monkeypatch):
    """The HTML each PDF render was made from (WeasyPrint's input), newest last."""
    seen: list[str] = []
    real = pdf_module.render_template

    def spy(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(pdf_module, "render_template", spy)
    return seen


@pytest.fixture
def enrolled(make, session):
    """A customer with 2FA on: (customer, TOTP secret, recovery codes)."""
    secret = new_secret()
    c = make.make_customer(totp_secret=secret, totp_enabled=True)
    codes = second_factor.issue_recovery_codes(session, c)
    session.commit()
    return c, secret, codes
