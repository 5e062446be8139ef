"""Following `/m/<token>` from an email: every branch of docs/mail-login.md, attacks in docs/security.md 6-12."""

import datetime as dt
import logging

import pyotp
import pytest
from sqlalchemy import select

from hostico.accounts.second_factor import new_secret
from hostico.maillogin import links
from hostico.models import AuditLog, Customer, MailLoginToken, UserSession
from tests.factories import PASSWORD

NEUTRAL = "This link can no longer log you in."


def mint(session, customer, invoice, *, sent_at=None) -> str:
    """Return the path of a fresh link, as the notification worker would mint it."""
    url = links.invoice_link(session, customer_id=customer.id, invoice_id=invoice.id, invoice_code=invoice.code,
                             sent_at=sent_at or dt.datetime.now(dt.UTC), base_url="http://localhost",
                             secret_key="test-secret-key")
    session.commit()
    return url.removeprefix("http://localhost")


@pytest.fixture
def customer_and_invoice(make):
    c = make.make_customer(name="Maria Link")
    return c, make.make_proforma(c)


def _session_user(client):
    with client.session_transaction() as sess:
        return sess.get("_user_id"), sess.get("_fresh"), dict(sess)


def test_valid_link_logs_in_and_redirects_to_the_invoice(client, session, customer_and_invoice):
    c, inv = customer_and_invoice
    resp = client.get(mint(session, c, inv))
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/invoices/{inv.code}"  # the token leaves the address bar
    page = client.get(resp.headers["Location"])
    assert page.status_code == 200 and inv.code in page.get_data(as_text=True)
    user_id, fresh, sess = _session_user(client)
    assert user_id == c.get_id()
    assert fresh is False  # a session opened by a link is not fresh
    assert sess["login_via"] == "mail"


def test_link_login_starts_a_new_session_cookie(client, session, customer_and_invoice):
    c, inv = customer_and_invoice
    client.get("/login")
    before = client.get_cookie("session").value
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    planted = client.get_cookie("session").value
    client.get(mint(session, c, inv))
    after = client.get_cookie("session").value
    assert after not in (before, planted)
    _, _, sess = _session_user(client)
    assert "planted" not in sess and sess.get("sid")


def test_every_m_response_is_private(client, session, customer_and_invoice):
    c, inv = customer_and_invoice
    for path in (mint(session, c, inv), "/m/not-a-token"):
        resp = client.get(path)
        assert resp.headers["Referrer-Policy"] == "no-referrer"
        assert resp.headers["Cache-Control"] == "no-store"


def test_link_can_be_followed_several_times_and_each_use_is_counted(app, session, customer_and_invoice):
    c, inv = customer_and_invoice
    path = mint(session, c, inv)
    for _ in range(3):  # a mail scanner's prefetch, then the customer, then again later
        fresh_browser = app.test_client()
        resp = fresh_browser.get(path)
        assert resp.headers["Location"] == f"/invoices/{inv.code}"
    session.expire_all()
    rec = session.scalar(select(MailLoginToken))
    assert rec.use_count == 3 and rec.last_used_at is not None
    used = session.scalars(select(AuditLog).where(AuditLog.action == "maillogin.used")).all()
    assert len(used) == 3 and all(e.data["jti"] == rec.jti and e.customer_id == c.id for e in used)


def test_audit_and_logs_never_hold_the_token(app, client, session, customer_and_invoice, caplog):
    c, inv = customer_and_invoice
    path = mint(session, c, inv)
    token = path.removeprefix("/m/")
    caplog.set_level(logging.DEBUG)
    client.get(path)
    client.get(path[:-5])
    session.expire_all()
    for entry in session.scalars(select(AuditLog)).all():
        assert token not in repr(entry.data) and token[:-5] not in repr(entry.data)
    assert token[:40] not in caplog.text


def test_request_log_line_masks_the_token(app, session, customer_and_invoice, caplog):
    """werkzeug's request log prints the path: the token must be masked there."""
    from werkzeug.serving import WSGIRequestHandler

    c, inv = customer_and_invoice
    token = mint(session, c, inv).removeprefix("/m/")
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.requestline = f"GET /m/{token} HTTP/1.1"
    handler.client_address = ("127.0.0.1", 5555)
    handler.server = type("S", (), {"log_format": None})()
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        handler.log_request(303)
    assert "/m/[redacted]" in caplog.text and token not in caplog.text
    # The app's own logger (exceptions print the path) is masked too.
    with caplog.at_level(logging.INFO):
        app.logger.error("Exception on %s [GET]", f"/m/{token}")
    assert token not in caplog.text


def test_customer_with_2fa_gets_no_session_from_a_link(client, session, make):
    c = make.make_customer(totp_secret=new_secret(), totp_enabled=True)
    inv = make.make_proforma(c)
    resp = client.get(mint(session, c, inv))
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/login?next=/invoices/{inv.code}&reason=2fa"
    user_id, _, _ = _session_user(client)
    assert user_id is None
    assert client.get(f"/invoices/{inv.code}").status_code == 302  # still anonymous


def test_customer_with_2fa_lands_on_the_invoice_after_password_and_code(client, session, make):
    secret = new_secret()
    c = make.make_customer(totp_secret=secret, totp_enabled=True)
    inv = make.make_proforma(c)
    login_url = client.get(mint(session, c, inv)).headers["Location"]
    page = client.get(login_url)
    assert "two-factor authentication" in page.get_data(as_text=True)
    resp = client.post_form("/login", {"email": c.email, "password": PASSWORD, "next": f"/invoices/{inv.code}"},
                            token_from=login_url)
    assert resp.headers["Location"] == "/login/2fa"
    resp = client.post_form("/login/2fa", {"code": pyotp.TOTP(secret).now()}, token_from="/login/2fa")
    assert resp.headers["Location"] == f"/invoices/{inv.code}"
    assert client.get(f"/invoices/{inv.code}").status_code == 200


def test_expired_link_shows_login_with_one_explanation_then_the_invoice(client, session, customer_and_invoice):
    c, inv = customer_and_invoice
    sent = dt.datetime.now(dt.UTC) - dt.timedelta(days=7, seconds=1)
    resp = client.get(mint(session, c, inv, sent_at=sent))
    assert resp.status_code == 303
    assert resp.headers["Location"] == f"/login?reason=link&next=/invoices/{inv.code}"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert page.count(NEUTRAL) == 1
    assert _session_user(client)[0] is None
    resp = client.post_form("/login", {"email": c.email, "password": PASSWORD, "next": f"/invoices/{inv.code}"})
    assert resp.headers["Location"] == f"/invoices/{inv.code}"


def test_link_after_a_password_change_is_refused(client, app, session, customer_and_invoice, login_as):
    c, inv = customer_and_invoice
    path = mint(session, c, inv)
    owner = app.test_client()
    login_as(owner, c)
    resp = owner.post_form("/my-details/password", {"current_password": PASSWORD, "new_password": "a-new-password-1",
                                                    "new_password_repeat": "a-new-password-1"},
                           token_from="/my-details")
    assert resp.status_code == 303
    resp = client.get(path)
    assert resp.headers["Location"] == f"/login?reason=link&next=/invoices/{inv.code}"
    assert _session_user(client)[0] is None


def _hs512_variant(token: str) -> str:
    import base64
    import json

    from joserfc import jwt
    from joserfc.jwk import OctKey

    payload = token.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return jwt.encode({"alg": "HS512"}, claims, OctKey.import_key(b"attacker-secret-attacker-secret!"),
                      algorithms=["HS512"])


def _tampered_variants(path: str) -> list[str]:
    token = path.removeprefix("/m/")
    head, payload, sig = token.split(".")
    return [
        f"/m/{_hs512_variant(token)}",                  # HS512 with another secret
        f"/m/{head}.{payload}.{sig[:-4]}AAAA",          # signature altered
        f"/m/{head}.{payload[:-2]}xy.{sig}",            # claims altered
        f"/m/eyJhbGciOiJub25lIn0.{payload}.",           # alg none
        f"/m/{token[:-10]}",                            # truncated
        "/m/eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc",  # foreign garbage
    ]


def test_tampered_truncated_and_foreign_links_fail_the_same_way_without_session(client, session,
                                                                               customer_and_invoice):
    c, inv = customer_and_invoice
    answers = set()
    for bad in _tampered_variants(mint(session, c, inv)):
        resp = client.get(bad)
        assert resp.status_code == 303
        answers.add(resp.headers["Location"])
        assert _session_user(client)[0] is None
    # The claims cannot be trusted: the visitor is sent to the plain login, one answer for all.
    assert answers == {"/login?reason=link"}
    assert client.get("/login?reason=link").get_data(as_text=True).count(NEUTRAL) == 1
    session.expire_all()
    refused = session.scalars(select(AuditLog).where(AuditLog.action == "maillogin.refused")).all()
    assert len(refused) == 6 and all(e.actor_kind == "anonymous" and e.ip for e in refused)


def test_link_older_than_the_last_password_change_is_refused_even_unrevoked(client, session,
                                                                           customer_and_invoice):
    c, inv = customer_and_invoice
    path = mint(session, c, inv)
    cust = session.get(Customer, c.id)
    cust.password_changed_at = dt.datetime.now(dt.UTC)  # changed by some path that forgot to revoke
    session.commit()
    resp = client.get(path)
    assert resp.headers["Location"] == f"/login?reason=link&next=/invoices/{inv.code}"
    assert _session_user(client)[0] is None
    session.expire_all()
    assert session.scalar(select(MailLoginToken)).use_count == 0


def test_revoked_link_fails_like_an_expired_one(client, session, customer_and_invoice):
    from hostico.accounts.mail_links import revoke_customer_links

    c, inv = customer_and_invoice
    path = mint(session, c, inv)
    revoke_customer_links(session, c.id, reason="staff", actor_kind="staff", actor_id=1)
    session.commit()
    resp = client.get(path)
    assert resp.headers["Location"] == f"/login?reason=link&next=/invoices/{inv.code}"
    assert _session_user(client)[0] is None


def test_a_token_of_customer_a_edited_to_b_invoice_opens_nothing(client, session, make, customer_and_invoice):
    import base64
    import json

    a, _ = customer_and_invoice
    b = make.make_customer()
    b_inv = make.make_proforma(b)
    a_inv = make.make_proforma(a)
    head, payload, sig = mint(session, a, a_inv).removeprefix("/m/").split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["inv"] = b_inv.id
    edited = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    resp = client.get(f"/m/{head}.{edited}.{sig}")
    assert resp.headers["Location"] == "/login?reason=link"
    assert _session_user(client)[0] is None


def test_same_customer_already_logged_in_goes_straight_to_the_invoice(client, session, customer_and_invoice,
                                                                      login_as):
    c, inv = customer_and_invoice
    login_as(client, c)
    sid_before = _session_user(client)[2]["sid"]
    resp = client.get(mint(session, c, inv))
    assert resp.headers["Location"] == f"/invoices/{inv.code}"
    _, fresh, sess = _session_user(client)
    assert sess["sid"] == sid_before and fresh is True  # the password session stays as it was


def test_another_customer_logged_in_is_asked_before_switching(client, session, make, customer_and_invoice,
                                                              login_as):
    owner, inv = customer_and_invoice
    other = make.make_customer(name="Ion Other", email="other@example.com")
    login_as(client, other)
    path = mint(session, owner, inv)
    resp = client.get(path)
    assert resp.status_code == 303 and resp.headers["Location"] == "/m/-/switch"  # the token leaves the URL
    resp = client.get("/m/-/switch")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "You are logged in as Ion Other (other@example.com)" in html
    assert "Log out and continue" in html and "Stay logged in as Ion Other" in html
    assert owner.email not in html and owner.name not in html and inv.code not in html
    assert resp.headers["Cache-Control"] == "no-store"
    assert _session_user(client)[0] == other.get_id()  # nothing switched
    # Switching needs a POST with a CSRF token.
    assert client.post("/m/-/switch").status_code == 400
    assert _session_user(client)[0] == other.get_id()
    resp = client.post_form("/m/-/switch", token_from="/m/-/switch")
    assert resp.status_code == 303 and resp.headers["Location"] == f"/invoices/{inv.code}"
    user_id, fresh, _ = _session_user(client)
    assert user_id == owner.get_id() and fresh is False


def test_staying_keeps_the_current_account(client, session, make, customer_and_invoice, login_as):
    owner, inv = customer_and_invoice
    other = make.make_customer()
    login_as(client, other)
    client.get(mint(session, owner, inv))
    assert client.get("/").status_code == 200
    assert _session_user(client)[0] == other.get_id()
    assert client.get(f"/invoices/{inv.code}").status_code == 404  # still the other customer


def test_switch_to_a_2fa_account_logs_out_and_asks_for_the_full_login(client, session, make, login_as):
    owner = make.make_customer(totp_secret=new_secret(), totp_enabled=True)
    inv = make.make_proforma(owner)
    other = make.make_customer()
    login_as(client, other)
    client.get(mint(session, owner, inv))
    resp = client.post_form("/m/-/switch", token_from="/")
    assert resp.headers["Location"] == f"/login?next=/invoices/{inv.code}&reason=2fa"
    assert _session_user(client)[0] is None


def test_switch_without_a_pending_link_only_logs_out(client, make, login_as):
    other = make.make_customer()
    login_as(client, other)
    assert client.get("/m/-/switch").headers["Location"] == "/"  # nothing to confirm
    assert client.get("/m/-/switch", follow_redirects=True).status_code == 200
    resp = client.post_form("/m/-/switch", token_from="/")
    assert resp.headers["Location"] == "/login?reason=link"
    assert _session_user(client)[0] is None


def test_switch_refuses_a_link_revoked_meanwhile(client, session, make, customer_and_invoice, login_as):
    from hostico.accounts.mail_links import revoke_customer_links

    owner, inv = customer_and_invoice
    login_as(client, make.make_customer())
    client.get(mint(session, owner, inv))
    revoke_customer_links(session, owner.id, reason="password_changed")
    session.commit()
    resp = client.post_form("/m/-/switch", token_from="/")
    assert resp.headers["Location"] == "/login?reason=link"
    assert _session_user(client)[0] is None


def test_link_attempts_are_rate_limited_per_ip(client):
    codes = [client.get(f"/m/junk-token-{i}").status_code for i in range(31)]
    assert codes[:30] == [303] * 30 and codes[30] == 429
    limited = client.get("/m/junk-token-x")
    assert limited.headers["Cache-Control"] == "no-store" and limited.headers["Referrer-Policy"] == "no-referrer"
    # Another address is not affected.
    assert client.get("/m/junk", environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code == 303


def test_link_session_cannot_change_the_password_without_confirming_it(client, session, customer_and_invoice):
    c, inv = customer_and_invoice
    client.get(mint(session, c, inv))
    page = client.get("/my-details").get_data(as_text=True)
    assert "For your security, confirm your password to change" in page and "Change password" not in page
    resp = client.post_form("/my-details/password", {"current_password": PASSWORD, "new_password": "a-new-password-1",
                                                     "new_password_repeat": "a-new-password-1"},
                            token_from="/my-details")
    assert resp.status_code == 303
    session.expire_all()
    assert session.get(Customer, c.id).password_changed_at is None
    assert "confirm your password first" in client.get("/my-details").get_data(as_text=True)


def test_staff_logged_in_is_asked_too(client, session, make, customer_and_invoice, login_staff):
    owner, inv = customer_and_invoice
    staff = make.make_staff()
    login_staff(client, staff)
    assert client.get(mint(session, owner, inv)).headers["Location"] == "/m/-/switch"
    html = client.get("/m/-/switch").get_data(as_text=True)
    assert f"You are logged in as {staff.name} ({staff.email})" in html and 'href="/staff/"' in html
    assert _session_user(client)[0] == staff.get_id()


def test_invalid_link_while_another_customer_is_logged_in_names_no_invoice(client, session, make, login_as):
    owner = make.make_customer()
    inv = make.make_proforma(owner)
    path = mint(session, owner, inv, sent_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=9))
    login_as(client, make.make_customer())
    assert client.get(path).headers["Location"] == "/login?reason=link"
    # The owner, logged in, is sent on to the invoice even when the link is stale.
    owner_client = client.application.test_client()
    login_as(owner_client, owner)
    resp = owner_client.get(path)
    assert resp.headers["Location"] == f"/login?reason=link&next=/invoices/{inv.code}"
    assert owner_client.get(resp.headers["Location"]).headers["Location"] == f"/invoices/{inv.code}"


def test_anonymous_switch_page_sends_to_login(client):
    assert client.get("/m/-/switch").headers["Location"] == "/login"


def test_following_a_link_is_one_read_and_one_write(client, session, customer_and_invoice, engine_name):
    """The record with its customer and invoice in one SELECT; then the session record, the link's use count and
    the two audit entries in one round trip (PostgreSQL: data-modifying CTEs; SQLite, in process, one statement
    each). Both entries name the session the link opened."""
    from sqlalchemy import event


    c, inv = customer_and_invoice
    path = mint(session, c, inv)
    statements = []

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(" ".join(statement.split()[:4]))

    event.listen(session.get_bind(), "before_cursor_execute", count)
    try:
        resp = client.get(path)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", count)
    assert resp.status_code == 303 and resp.headers["Location"] == f"/invoices/{inv.code}"
    assert statements[0].startswith("SELECT mail_login_tokens.id"), statements
    if engine_name == "postgres":
        assert statements[1:] == ["WITH opened_session AS (INSERT"], statements
    else:
        assert statements[1:3] == ["UPDATE mail_login_tokens SET last_used_at=?,", "INSERT INTO user_sessions (kind,"]
        assert set(statements[3:]) == {"INSERT INTO audit_log (at,"} and len(statements) <= 5, statements
    session.expire_all()
    record = session.scalars(select(MailLoginToken)).one()
    assert record.use_count == 1 and record.last_used_at is not None
    opened = session.scalars(select(UserSession)).one()
    assert opened.mail_link_id == record.id and opened.via == "maillink" and opened.customer_id == c.id
    entries = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(e.action, e.actor_kind, e.actor_id, e.customer_id) for e in entries] == [
        ("customer.login", "customer", c.id, c.id), ("maillogin.used", "customer", c.id, c.id)]
    assert entries[0].data == {"via": "mail", "session": opened.id}
    assert entries[1].data == {"outcome": "login", "jti": record.jti, "session": opened.id}
    assert entries[1].object_type == "MailLoginToken" and entries[1].object_id == str(record.id)
    assert all(e.at == opened.created_at and e.ip for e in entries)
