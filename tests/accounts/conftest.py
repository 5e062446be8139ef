"""Fixtures of the accounts tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def desk(app, make, login_staff):
    """A test client logged in as a support staff member (`desk.staff`), who may open customers' accounts."""
    client = app.test_client()
    staff = make.make_staff(email="support@example.com", role="support")
    login_staff(client, staff)
    client.staff = staff
    return client
