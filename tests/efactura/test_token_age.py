"""ANAF's refresh token lives 365 days (issue 22 item 6): its age is stored, staff see it, admins are warned."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.efactura import crypto, oauth
from hostico.efactura.jobs import sync
from hostico.efactura.settings import EfacturaSettings
from hostico.models import AnafToken, OutboxMessage, utcnow
from hostico.notify.render import render_email
from hostico.web.app_settings import settings as app_settings

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def settings(anaf_config):
    return EfacturaSettings.from_config(anaf_config)


def stored_token(session, settings, obtained_at):
    row = AnafToken(refresh_token=crypto.encrypt(settings.secret_key, "refresh-1"),
                    access_token=crypto.encrypt(settings.secret_key, "access-1"),
                    expires_at=obtained_at + dt.timedelta(days=400), connected_at=obtained_at,
                    refresh_obtained_at=obtained_at)
    session.add(row)
    session.commit()
    return row


def test_the_refresh_token_age_is_stored_and_a_new_one_restarts_it(settings, session_factory, session, anaf):
    oauth.access_token(session_factory, settings, now=T0)
    row = session.scalar(select(AnafToken))
    assert row.refresh_obtained_at == T0
    life = oauth.token_lifetime(row, T0 + dt.timedelta(days=340))
    assert (life.age_days, life.days_left, life.warning) == (340, 25, 30)
    assert life.expires_at == T0 + dt.timedelta(days=365)
    assert oauth.token_lifetime(row, T0 + dt.timedelta(days=360)).warning == 7
    assert oauth.token_lifetime(row, T0 + dt.timedelta(days=366)).warning == 0
    assert oauth.token_lifetime(row, T0 + dt.timedelta(days=300)).warning is None
    # a refresh that hands out a new refresh token starts its 365 days again
    later = row.expires_at - dt.timedelta(days=3)
    oauth.access_token(session_factory, settings, now=later)
    session.expire_all()
    assert session.scalar(select(AnafToken)).refresh_obtained_at == later


def test_admins_get_one_email_per_threshold_through_the_outbox(app, anaf_config, settings, session_factory,
                                                               session, make):
    admins = [make.make_staff(role="admin"), make.make_staff(role="admin")]
    make.make_staff(role="billing")
    retired = make.make_staff(role="admin")
    retired.active = False
    session.commit()
    stored_token(session, settings, T0 - dt.timedelta(days=340))
    sync(session_factory, anaf_config, now=T0)
    sync(session_factory, anaf_config, now=T0 + dt.timedelta(hours=1))  # the same threshold: nothing new
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "anaf_token_expiry")
                               .order_by(OutboxMessage.id)).all()
    assert sorted(m.recipient for m in messages) == sorted(a.email for a in admins)
    assert {m.context["threshold"] for m in messages} == {30}
    rendered = render_email(session, messages[0], app_settings(app).notify, T0)
    assert "25" in rendered.subject and "/staff/efactura" in rendered.text
    sync(session_factory, anaf_config, now=T0 + dt.timedelta(days=20))  # 5 days left
    session.expire_all()
    thresholds = sorted(m.context["threshold"] for m in session.scalars(
        select(OutboxMessage).where(OutboxMessage.event == "anaf_token_expiry")))
    assert thresholds == [7, 7, 30, 30]


def test_no_warning_for_a_young_token(anaf_config, settings, session_factory, session, make):
    make.make_staff(role="admin")
    stored_token(session, settings, T0 - dt.timedelta(days=100))
    sync(session_factory, anaf_config, now=T0)
    assert session.scalar(select(OutboxMessage.id).where(OutboxMessage.event == "anaf_token_expiry")) is None


def test_staff_page_and_dashboard_show_the_age_expiry_and_warning(anaf_config, settings, session, client, make,
                                                                  login_staff):
    stored_token(session, settings, utcnow() - dt.timedelta(days=360))
    login_staff(client, make.make_staff(role="support"))
    for url in ("/staff/efactura", "/staff/"):
        page = client.get(url).get_data(as_text=True)
        assert 'data-refresh-token data-days-left="4" data-warning="7"' in page, url
        assert "(360 days ago)" in page
