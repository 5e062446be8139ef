"""My Details security: enrol 2FA (QR + confirm code, recovery codes once), disable it (password AND code),
change the password; each ends other sessions and revokes mail links, and a link session must re-enter
the password first."""

import base64
import datetime as dt
import re

import pyotp
import pytest
from sqlalchemy import select

from hostico.accounts.passwords import verify_password
from hostico.accounts.second_factor import new_secret
from hostico.maillogin import links
from hostico.models import AuditLog, Customer, MailLoginToken, RecoveryCode
from tests.factories import PASSWORD

NEW_PASSWORD = "brand-new-password-42"


def _now_code(secret, offset=0):
    return pyotp.TOTP(secret).at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=offset))


def _mint(session, customer, invoice) -> str:
    url = links.invoice_link(session, customer_id=customer.id, invoice_id=invoice.id, invoice_code=invoice.code,
                             sent_at=dt.datetime.now(dt.UTC), base_url="http://localhost",
                             secret_key="test-secret-key")
    session.commit()
    return url.removeprefix("http://localhost")


def _reload(session, customer_id) -> Customer:
    session.expire_all()
    return session.get(Customer, customer_id)


def _start_setup(client) -> tuple[str, str]:
    resp = client.post_form("/my-details/2fa/setup", token_from="/my-details")
    assert resp.status_code == 303 and resp.headers["Location"] == "/my-details/2fa/setup"
    page = client.get("/my-details/2fa/setup")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    secret = re.search(r'id="totp-secret" data-secret="([A-Z2-7]+)">', html).group(1)
    shown = re.search(r'id="totp-secret"[^>]*>([^<]+)<', html).group(1)
    assert shown == " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))  # typed by hand in groups of 4
    return secret, html


@pytest.fixture
def customer(make):
    return make.make_customer(name="Sofia Sec")


def test_setup_page_shows_a_qr_code_and_the_secret_but_2fa_stays_off(client, customer, login_as, session):
    login_as(client, customer)
    assert "Set up two-factor authentication" in client.get("/my-details").get_data(as_text=True)
    secret, html = _start_setup(client)
    qr = re.search(r'<img class="qr" src="data:image/svg\+xml;base64,([^"]+)"', html).group(1)
    svg = base64.b64decode(qr).decode()
    assert "<svg" in svg and "qr-path" in svg
    c = _reload(session, customer.id)
    assert c.totp_secret == secret and not c.totp_enabled
    # Until confirmed, the password alone still logs in.
    other = client.application.test_client()
    assert login_as(other, customer).headers["Location"] == "/"


def test_enrolment_needs_a_right_code(client, customer, login_as, session):
    login_as(client, customer)
    secret, _ = _start_setup(client)
    wrong = f"{(int(_now_code(secret)) + 7) % 1000000:06d}"
    resp = client.post_form("/my-details/2fa/enable", {"password": PASSWORD, "code": wrong},
                            token_from="/my-details/2fa/setup")
    assert resp.status_code == 200 and "That code is not right" in resp.get_data(as_text=True)
    assert not _reload(session, customer.id).totp_enabled


def test_enrolment_turns_2fa_on_shows_recovery_codes_once_and_renews_sessions(app, client, customer, login_as,
                                                                             session, make):
    inv = make.make_proforma(customer)
    link = _mint(session, customer, inv)
    elsewhere = app.test_client()
    login_as(elsewhere, customer)
    login_as(client, customer)
    cookie_before = client.get_cookie("session").value
    epoch_before = customer.session_epoch
    secret, _ = _start_setup(client)
    resp = client.post_form("/my-details/2fa/enable", {"password": PASSWORD, "code": _now_code(secret)},
                            token_from="/my-details/2fa/setup")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", html)
    assert len(codes) == 10
    assert resp.headers["Cache-Control"] == "no-store"
    c = _reload(session, customer.id)
    assert c.totp_enabled and c.session_epoch == epoch_before + 1
    hashes = session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.customer_id == c.id)).all()
    assert len(hashes) == 10 and all(h.startswith("$argon2") for h in hashes)
    assert all(code not in h for code in codes for h in hashes)
    # This browser stays logged in, with a new session; the other device is logged out.
    assert client.get_cookie("session").value != cookie_before
    assert client.get("/my-details").status_code == 200
    assert elsewhere.get("/my-details").status_code == 302
    # The codes are never shown again.
    page = client.get("/my-details").get_data(as_text=True)
    assert not any(code in page for code in codes) and "10 unused recovery codes left." in page
    assert client.get("/my-details/2fa/setup").status_code == 303
    # Every mail link was revoked.
    assert session.scalar(select(MailLoginToken)).revoked_reason == "2fa_enabled"
    assert app.test_client().get(link).headers["Location"].startswith("/login?reason=link")
    actions = set(session.scalars(select(AuditLog.action)).all())
    assert {"customer.2fa_enabled", "maillogin.revoked"} <= actions


def test_after_enrolment_login_asks_for_the_code(app, client, customer, login_as, session):
    login_as(client, customer)
    secret, _ = _start_setup(client)
    enrolment_code = _now_code(secret)  # kept: the clock may pass a 30-second step before the replay below
    client.post_form("/my-details/2fa/enable", {"password": PASSWORD, "code": enrolment_code},
                     token_from="/my-details/2fa/setup")
    fresh = app.test_client()
    assert login_as(fresh, customer).headers["Location"] == "/login/2fa"
    # The enrolment code cannot be replayed at login; the next one works.
    assert fresh.post_form("/login/2fa", {"code": enrolment_code}, token_from="/login/2fa").status_code == 401
    assert fresh.post_form("/login/2fa", {"code": _now_code(secret, 30)}, token_from="/login/2fa").status_code == 302




def _login_2fa(client, customer, secret, offset=0):
    client.post_form("/login", {"email": customer.email, "password": PASSWORD})
    assert client.post_form("/login/2fa", {"code": _now_code(secret, offset)},
                            token_from="/login/2fa").status_code == 302


def _disable(client, password, code):
    return client.post_form("/my-details/2fa/disable", {"disable_password": password, "disable_code": code},
                            token_from="/my-details")


def test_disabling_needs_the_password_and_a_code(client, enrolled, session):
    c, secret, _ = enrolled
    _login_2fa(client, c, secret)
    resp = _disable(client, "wrong-password", _now_code(secret, 30))
    assert resp.status_code == 200 and "Wrong password." in resp.get_data(as_text=True)
    assert _reload(session, c.id).totp_enabled
    resp = _disable(client, PASSWORD, "123456" if _now_code(secret, 30) != "123456" else "654321")
    assert "Wrong code" in resp.get_data(as_text=True)
    assert _reload(session, c.id).totp_enabled
    resp = _disable(client, PASSWORD, "")
    assert _reload(session, c.id).totp_enabled
    resp = _disable(client, PASSWORD, _now_code(secret, 30))
    assert resp.status_code == 303
    c2 = _reload(session, c.id)
    assert not c2.totp_enabled and c2.totp_secret is None
    assert session.scalars(select(RecoveryCode).where(RecoveryCode.customer_id == c.id)).all() == []
    assert client.get("/my-details").status_code == 200  # still logged in
    assert session.scalar(select(AuditLog).where(AuditLog.action == "customer.2fa_disabled")) is not None


def test_disabling_with_a_recovery_code(client, enrolled, session):
    c, secret, codes = enrolled
    _login_2fa(client, c, secret)
    assert _disable(client, PASSWORD, codes[0]).status_code == 303
    assert not _reload(session, c.id).totp_enabled


def test_disabling_refuses_the_code_just_used_to_log_in(client, enrolled, session):
    c, secret, _ = enrolled
    _login_2fa(client, c, secret)
    assert "Wrong code" in _disable(client, PASSWORD, _now_code(secret)).get_data(as_text=True)
    assert _reload(session, c.id).totp_enabled


def _change(client, current, new, repeat=None):
    return client.post_form("/my-details/password", {"current_password": current, "new_password": new,
                                                     "new_password_repeat": new if repeat is None else repeat},
                            token_from="/my-details")


@pytest.mark.parametrize("current,new,repeat,message", [
    ("wrong-password", NEW_PASSWORD, None, "Wrong password."),
    (PASSWORD, "short", None, "Use at least 10 characters."),
    (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "The two new passwords differ."),
    (PASSWORD, PASSWORD, None, "Choose a password different from the current one."),
])
def test_bad_password_changes_show_an_error_and_change_nothing(client, customer, login_as, session,
                                                               current, new, repeat, message):
    login_as(client, customer)
    resp = _change(client, current, new, repeat)
    assert resp.status_code == 200
    assert message in resp.get_data(as_text=True)
    c = _reload(session, customer.id)
    assert verify_password(c.password_hash, PASSWORD) and c.password_changed_at is None


def test_password_change_renews_sessions_and_revokes_links(app, client, customer, login_as, session, make):
    inv = make.make_proforma(customer)
    link = _mint(session, customer, inv)
    elsewhere = app.test_client()
    login_as(elsewhere, customer)
    login_as(client, customer)
    resp = _change(client, PASSWORD, NEW_PASSWORD)
    assert resp.status_code == 303 and resp.headers["Location"] == "/my-details#security"
    assert "Your password was changed" in client.get("/my-details").get_data(as_text=True)
    assert elsewhere.get("/my-details").status_code == 302
    c = _reload(session, customer.id)
    assert verify_password(c.password_hash, NEW_PASSWORD) and c.password_changed_at is not None
    assert session.scalar(select(MailLoginToken)).revoked_reason == "password_changed"
    assert app.test_client().get(link).headers["Location"].startswith("/login?reason=link")
    assert login_as(app.test_client(), customer).status_code == 401
    assert login_as(app.test_client(), customer, NEW_PASSWORD).status_code == 302


def _link_session(client, session, customer, make):
    inv = make.make_proforma(customer)
    assert client.get(_mint(session, customer, inv)).status_code == 303
    with client.session_transaction() as sess:
        assert sess["_fresh"] is False


def test_link_session_must_confirm_the_password_before_2fa_setup(client, customer, session, make):
    _link_session(client, session, customer, make)
    resp = client.post_form("/my-details/2fa/setup", token_from="/my-details")
    assert resp.headers["Location"] == "/my-details#security"
    assert _reload(session, customer.id).totp_secret is None
    assert client.get("/my-details/2fa/setup").headers["Location"] == "/my-details#security"
    # A wrong password keeps the session unfresh.
    resp = client.post_form("/my-details/security/confirm", {"confirm_password": "nope-nope"},
                            token_from="/my-details")
    assert resp.status_code == 200 and "Wrong password." in resp.get_data(as_text=True)
    assert client.post_form("/my-details/2fa/setup", token_from="/my-details").headers["Location"] != \
        "/my-details/2fa/setup"
    # The right password makes it fresh; then setup proceeds.
    resp = client.post_form("/my-details/security/confirm", {"confirm_password": PASSWORD}, token_from="/my-details")
    assert resp.status_code == 303
    with client.session_transaction() as sess:
        assert sess["_fresh"] is True
    secret, _ = _start_setup(client)
    assert _reload(session, customer.id).totp_secret == secret


def test_link_session_cannot_disable_2fa_or_enable_it_without_confirming(client, session, make):
    secret = new_secret()
    c = make.make_customer(totp_secret=secret, totp_enabled=False)
    _link_session(client, session, c, make)
    resp = client.post_form("/my-details/2fa/enable", {"password": PASSWORD, "code": _now_code(secret)},
                            token_from="/my-details")
    assert resp.headers["Location"] == "/my-details#security"
    assert not _reload(session, c.id).totp_enabled


def test_link_session_of_2fa_customer_is_impossible_so_disable_needs_fresh_login(client, enrolled, session):
    """A 2FA customer never gets a link session; a stale (non-fresh) session still cannot disable 2FA."""
    c, secret, _ = enrolled
    _login_2fa(client, c, secret)
    with client.session_transaction() as sess:
        sess["_fresh"] = False
    assert _disable(client, PASSWORD, _now_code(secret, 30)).headers["Location"] == "/my-details#security"
    assert _reload(session, c.id).totp_enabled


def test_security_forms_need_csrf_and_login(app, client, customer, login_as):
    for url in ("/my-details/password", "/my-details/2fa/setup", "/my-details/2fa/enable", "/my-details/2fa/disable",
                "/my-details/security/confirm"):
        assert app.test_client().post(url).status_code in (400, 401)
    login_as(client, customer)
    assert client.post("/my-details/password", data={"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                      "new_password_repeat": NEW_PASSWORD}).status_code == 400


def test_password_confirmation_is_rate_limited(client, session, customer, make):
    _link_session(client, session, customer, make)
    token = client.csrf_token("/my-details")
    codes = [client.post("/my-details/security/confirm", data={"confirm_password": "guess-guess",
                                                                "csrf_token": token}).status_code for _ in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_new_recovery_codes_replace_the_old_ones(client, enrolled, session):
    c, secret, old_codes = enrolled
    _login_2fa(client, c, secret)
    resp = client.post_form("/my-details/2fa/recovery-codes", {"regen_code": "000000"}, token_from="/my-details")
    assert "Wrong code" in resp.get_data(as_text=True)
    resp = client.post_form("/my-details/2fa/recovery-codes", {"regen_code": _now_code(secret, 30)},
                            token_from="/my-details")
    assert resp.status_code == 200
    new_codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", resp.get_data(as_text=True))
    assert len(new_codes) == 10 and not set(new_codes) & set(old_codes)
    # An old code no longer disables anything; a new one does.
    assert "Wrong code" in _disable(client, PASSWORD, old_codes[0]).get_data(as_text=True)
    assert _disable(client, PASSWORD, new_codes[0]).status_code == 303
