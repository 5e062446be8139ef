"""ANAF OAuth2 against the fake: bootstrap, refresh before expiry, tokens encrypted at rest."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from hostico.efactura import crypto, oauth
from hostico.efactura.errors import AnafAuthError
from hostico.efactura.settings import EfacturaSettings
from hostico.models import AnafToken, utcnow


@pytest.fixture
def settings(anaf_config):
    return EfacturaSettings.from_config(anaf_config)


def test_authorize_url_asks_anaf_for_a_code_with_state_and_jwt(settings):
    url = oauth.authorize_url(settings, "st4te")
    assert url.startswith(settings.oauth_url + "/authorize?")
    for part in ("response_type=code", "client_id=client-id", "token_content_type=jwt", "state=st4te",
                 "redirect_uri=http%3A%2F%2Flocalhost%2Fstaff%2Fefactura%2Foauth%2Fcallback"):
        assert part in url


def test_the_bootstrap_refresh_token_gets_an_access_token_stored_encrypted(settings, session_factory, session, anaf):
    token = oauth.access_token(session_factory, settings)
    assert anaf.authorised(f"Bearer {token}")
    raw = session.execute(text("SELECT access_token, refresh_token FROM anaf_tokens")).one()
    assert token.encode() not in bytes(raw[0])
    assert crypto.decrypt(settings.secret_key, raw[0]) == token
    assert crypto.decrypt("another secret key", raw[0]) is None
    # the rotated refresh token is the one kept
    assert crypto.decrypt(settings.secret_key, raw[1]) in anaf.refresh_tokens


def test_a_valid_token_is_reused_and_one_near_expiry_is_refreshed(settings, session_factory, session, anaf):
    first = oauth.access_token(session_factory, settings)
    assert oauth.access_token(session_factory, settings) == first
    assert len(anaf.calls("token")) == 1
    expires = session.scalar(select(AnafToken)).expires_at
    later = expires - dt.timedelta(days=3)  # inside the refresh margin
    second = oauth.access_token(session_factory, settings, now=later)
    assert second != first and len(anaf.calls("token")) == 2


def test_forced_refresh_after_a_401_gets_a_new_token(settings, session_factory, anaf):
    first = oauth.access_token(session_factory, settings)
    assert oauth.access_token(session_factory, settings, force=True) != first


def test_no_connection_and_no_bootstrap_is_a_clear_auth_error(settings, session_factory):
    bare = EfacturaSettings(**{**settings.__dict__, "refresh_token": ""})
    with pytest.raises(AnafAuthError) as exc:
        oauth.access_token(session_factory, bare)
    assert exc.value.code == "not_connected"


def test_a_refused_refresh_token_is_an_auth_error(settings, session_factory, anaf):
    anaf.refresh_tokens = set()
    with pytest.raises(AnafAuthError, match="invalid_grant"):
        oauth.access_token(session_factory, settings)


def test_exchange_code_and_save_tokens_connect_the_app(settings, session, anaf):
    anaf.codes.add("the-code")
    tokens = oauth.exchange_code(settings, "the-code")
    oauth.save_tokens(session, settings, tokens, connected_by=7)
    session.commit()
    conn = oauth.connection(session, settings)
    assert conn.connected and conn.connected_by == 7 and conn.expires_at > utcnow()
    form = anaf.calls("token")[0]["body"].decode()
    assert "grant_type=authorization_code" in form and "code=the-code" in form
