"""Staff-area fixtures: staff users with TOTP, and the real two-step staff login."""

from __future__ import annotations

import re

import pyotp
import pytest

from hostico.accounts.second_factor import new_secret
from tests.factories import PASSWORD

URL_ARG = re.compile(r"<(?:\w+:)?(\w+)>")


def totp_code(secret: str) -> str:
    """The authenticator app's current code."""
    return pyotp.TOTP(secret).now()


@pytest.fixture
def make_staff(make):
    """Create a staff user of a role, enrolled in TOTP unless enrolled=False."""
    def do(role: str = "admin", *, enrolled: bool = True, **kw):
        if enrolled:
            kw.setdefault("totp_secret", new_secret())
            kw.setdefault("totp_enabled", True)
        return make.make_staff(role=role, **kw)
    return do


@pytest.fixture
def staff_login():
    """Log a staff user in through /staff/login with password and the current TOTP code."""
    def do(client, staff, *, password: str = PASSWORD, code: str | None = None):
        resp = client.post_form("/staff/login", {"email": staff.email, "password": password},
                                token_from="/staff/login")
        if resp.status_code != 302 or not resp.headers["Location"].endswith("/staff/login/code"):
            return resp
        return client.post_form("/staff/login/code", {"code": code or totp_code(staff.totp_secret)},
                                token_from="/staff/login/code")
    return do


def fill_url(rule) -> str:
    """Build a URL of a rule with placeholder values (the gate answers before any lookup)."""
    return URL_ARG.sub("1", rule.rule)


def staff_rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("staff.") and r.endpoint != "staff.static"]
