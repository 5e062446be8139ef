"""The templates' csrf_token() (hostico/web/csrf_tokens.py): Flask-WTF's signed token, reused for a minute
within a session, a new one after that or for another session; every token still passes Flask-WTF's check."""

from __future__ import annotations

import re
import time

import pytest

from hostico.web import csrf_tokens

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _token(client, url: str = "/invoices") -> str:
    return TOKEN.search(client.get(url).get_data(as_text=True)).group(1)


@pytest.fixture
def logged_in(client, make, login_as):
    login_as(client, make.make_customer())
    return client


@pytest.fixture
def clock(monkeypatch):
    """Both clocks: the reuse window's and the signing time's (itsdangerous signs whole seconds)."""
    now = [time.time()]
    start = now[0]
    monkeypatch.setattr(csrf_tokens.time, "monotonic", lambda: now[0] - start)
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: now[0])
    return now


def test_a_session_gets_the_same_signed_token_within_a_minute_and_it_is_accepted(logged_in, clock):
    first = _token(logged_in)
    clock[0] += csrf_tokens.REUSE_SECONDS - 1  # Flask-WTF alone would sign a new one now
    assert _token(logged_in) == first
    assert logged_in.post("/logout", data={"csrf_token": first}).status_code in (302, 303)


def test_a_new_token_is_signed_after_the_reuse_window(logged_in, clock):
    first = _token(logged_in)
    clock[0] += csrf_tokens.REUSE_SECONDS + 1
    assert _token(logged_in) != first


def test_another_session_never_gets_this_sessions_token(app, make, login_as):
    one, two = app.test_client(), app.test_client()
    login_as(one, make.make_customer())
    login_as(two, make.make_customer())
    assert _token(one) != _token(two)


def test_a_new_login_gets_a_new_token(logged_in, make, login_as):
    before = _token(logged_in)
    login_as(logged_in, make.make_customer())
    assert _token(logged_in) != before


def test_a_token_from_another_session_is_still_refused(app, make, login_as):
    one, two = app.test_client(), app.test_client()
    login_as(one, make.make_customer())
    login_as(two, make.make_customer())
    assert two.post("/logout", data={"csrf_token": _token(one)}).status_code == 400
