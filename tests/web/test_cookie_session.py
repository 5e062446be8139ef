"""The signed cookie session, each cookie verified once (hostico/web/cookie_session.py): what Flask's accepts and
refuses, it accepts and refuses, remembered or not."""

import datetime as dt
import time

from flask import request
from flask.sessions import SecureCookieSessionInterface

from hostico.web import cookie_session
from hostico.web.cookie_session import RememberingSessionInterface


def _signed(app, data, *, at=None, monkeypatch=None, key=None):
    """A session cookie as Flask writes it, signed with the app's key (or `key`), at `at` (epoch seconds)."""
    if key is not None:
        app.config["SECRET_KEY"], saved = key, app.config["SECRET_KEY"]
    try:
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        if at is None:
            return serializer.dumps(data)
        with monkeypatch.context() as m:
            m.setattr(time, "time", lambda: at)
            return serializer.dumps(data)
    finally:
        if key is not None:
            app.config["SECRET_KEY"] = saved


def _open(app, cookie, interface=None):
    interface = interface or app.session_interface
    with app.test_request_context("/", headers={"Cookie": f"{interface.get_cookie_name(app)}={cookie}"}):
        return interface.open_session(app, request)


def test_the_app_opens_sessions_through_the_remembering_interface(app):
    assert isinstance(app.session_interface, RememberingSessionInterface)


def test_a_cookie_is_verified_once_and_reads_as_flask_reads_it(app, monkeypatch):
    cookie = _signed(app, {"csrf_token": "abc", "n": 3, "when": dt.datetime(2026, 12, 5, tzinfo=dt.UTC),
                           "_flashes": [("info", "Hello")]})
    flask_reads = dict(_open(app, cookie, SecureCookieSessionInterface()))
    assert dict(_open(app, cookie)) == flask_reads
    calls = []
    real = SecureCookieSessionInterface.get_signing_serializer
    monkeypatch.setattr(SecureCookieSessionInterface, "get_signing_serializer",
                        lambda self, a: calls.append(1) or real(self, a))
    again = _open(app, cookie)
    assert dict(again) == flask_reads and calls == []  # remembered: not verified again
    assert not again.modified and not again.new


def test_a_tampered_cookie_opens_an_empty_session_remembered_or_not(app):
    cookie = _signed(app, {"csrf_token": "abc"})
    assert dict(_open(app, cookie)) == {"csrf_token": "abc"}  # now remembered
    payload, timestamp, signature = cookie.rsplit(".", 2)
    other = _signed(app, {"csrf_token": "evil"}).rsplit(".", 2)[0]
    for tampered in (f"{other}.{timestamp}.{signature}", f"{payload}.{timestamp}.{signature[:-2]}xx",
                     f"{payload}.{timestamp}.", cookie + "x", "x" + cookie):
        for _ in range(2):  # a refused cookie is refused again: never remembered
            session = _open(app, tampered)
            assert dict(session) == {} and not session.modified


def test_a_remembered_cookie_expires_with_the_session_lifetime(app, monkeypatch):
    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=60)
    now = time.time()
    cookie = _signed(app, {"csrf_token": "abc"}, at=now - 30, monkeypatch=monkeypatch)
    assert dict(_open(app, cookie)) == {"csrf_token": "abc"}  # remembered, 30 s old
    monkeypatch.setattr(time, "time", lambda: now + 31)  # 61 s old
    assert dict(_open(app, cookie)) == {}
    assert dict(_open(app, cookie, SecureCookieSessionInterface())) == {}  # as Flask says
    monkeypatch.setattr(time, "time", lambda: now - 31)  # signed in the future: refused as itsdangerous does
    assert dict(_open(app, cookie)) == {}
    monkeypatch.setattr(time, "time", lambda: now)
    assert dict(_open(app, cookie)) == {"csrf_token": "abc"}  # checked again: still young enough


def test_a_request_changing_its_session_never_changes_the_next_ones(app):
    cookie = _signed(app, {"csrf_token": "abc", "_flashes": [("info", "Hello")], "pending": {"cid": 1}})
    first = _open(app, cookie)
    first["_flashes"].append(("error", "Again"))
    first["pending"]["cid"] = 2
    first["csrf_token"] = "changed"
    first["new"] = True
    second = _open(app, cookie)
    assert dict(second) == {"csrf_token": "abc", "_flashes": [("info", "Hello")], "pending": {"cid": 1}}
    second.pop("_flashes")
    assert _open(app, cookie)["_flashes"] == [("info", "Hello")]
    flat = _signed(app, {"csrf_token": "abc"})
    _open(app, flat)["csrf_token"] = "changed"
    assert dict(_open(app, flat)) == {"csrf_token": "abc"}


def test_a_new_secret_key_does_not_accept_a_remembered_cookie_unless_the_old_one_is_a_fallback(app):
    cookie = _signed(app, {"csrf_token": "abc"})
    assert dict(_open(app, cookie)) == {"csrf_token": "abc"}
    old = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = "a-new-secret-key"
    assert dict(_open(app, cookie)) == {}
    app.config["SECRET_KEY_FALLBACKS"] = [old]  # key rotation: the old key still opens sessions, as in Flask
    assert dict(_open(app, cookie)) == {"csrf_token": "abc"}
    app.config["SECRET_KEY_FALLBACKS"] = []
    assert dict(_open(app, cookie)) == {}
    stranger = _signed(app, {"csrf_token": "abc"}, key="someone-elses-key")
    assert dict(_open(app, stranger)) == {}


def test_no_secret_key_no_session_and_no_cookie_an_empty_one(app):
    interface = app.session_interface
    with app.test_request_context("/"):
        session = interface.open_session(app, request)
        assert dict(session) == {} and not interface.is_null_session(session)
    app.config["SECRET_KEY"] = None
    with app.test_request_context("/"):
        assert interface.open_session(app, request) is None  # Flask's NullSession follows


def test_the_remembered_cookies_are_bounded(app, monkeypatch):
    monkeypatch.setattr(cookie_session, "CACHE_SIZE", 3)
    interface = RememberingSessionInterface()
    for n in range(10):
        assert dict(_open(app, _signed(app, {"n": n}), interface)) == {"n": n}
        assert len(interface._verified) <= 3
