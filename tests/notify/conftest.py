"""Fixtures for the notification tests: delivering the outbox, a real SMTP server, a fake SMS provider."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.models import OutboxMessage
from hostico.notify.sms.providers.file import read_sms_file
from tests.conftest import reconfigure
from tests.fakes.sms import FakeSmsProvider


@pytest.fixture(autouse=True)
def _mail_to_outbox(app):
    """Emails are only rendered and marked sent unless a test starts the SMTP server (smtp_server)."""
    reconfigure(app, MAIL_BACKEND="outbox")


@pytest.fixture
def sms_file(app):
    """Return a function reading every SMS the file backend wrote."""
    return lambda: read_sms_file(app.config["SMS_FILE"])


@pytest.fixture
def outbox(session):
    """Return a function listing outbox rows (fresh from the database), optionally by channel."""
    def rows(channel: str | None = None) -> list[OutboxMessage]:
        session.expire_all()
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if channel:
            stmt = stmt.where(OutboxMessage.channel == channel)
        return list(session.scalars(stmt))
    return rows


@pytest.fixture
def opted_in(make):
    """A customer who turned SMS on with a Romanian mobile number."""
    return make.make_customer(phone_e164="+40722123456", sms_opt_in=True,
                              sms_consent_at=dt.datetime.now(dt.UTC))


@pytest.fixture
def fake_provider():
    provider = FakeSmsProvider()
    yield provider
    provider.close()
