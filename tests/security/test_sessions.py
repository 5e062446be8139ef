"""Server-side sessions (docs/accounts.md; docs/security.md items 2 and 4): a copied session cookie stops working
as soon as its session is ended — by logout, a password change, revoking the mail link that opened it,
or staff ending the customer's sessions — and customers see and end their other sessions in My Details."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.maillogin import links
from hostico.models import AuditLog, Customer, UserSession
from tests.factories import PASSWORD, give_session

NEW_PASSWORD = "a brand new passphrase"


def copy_cookie(app, source):
    """Return a new client holding a copy of source's session cookie (an attacker who stole it)."""
    thief = app.test_client()
    thief.set_cookie("session", source.get_cookie("session").value)
    return thief


def logged_in(client) -> bool:
    """True when the client can open its dashboard."""
    return client.get("/").status_code == 200


def mail_link(session, customer, invoice) -> str:
    url = links.invoice_link(session, customer_id=customer.id, invoice_id=invoice.id, invoice_code=invoice.code,
                             sent_at=dt.datetime.now(dt.UTC), base_url="http://localhost",
                             secret_key="test-secret-key")
    session.commit()
    return url.removeprefix("http://localhost")


@pytest.fixture
def customer(make):
    return make.make_customer(name="Sesiune Client")


def test_copied_cookie_stops_working_after_logout(app, client, customer, login_as):
    login_as(client, customer)
    thief = copy_cookie(app, client)
    assert logged_in(thief)
    client.post_form("/logout", token_from="/")
    resp = thief.get("/invoices")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/login")
    assert "reason=ended" in resp.headers["Location"]
    assert "Your session has ended" in thief.get(resp.headers["Location"]).get_data(as_text=True)


def test_htmx_request_with_an_ended_session_gets_401_and_hx_redirect(app, client, customer, login_as):
    login_as(client, customer)
    thief = copy_cookie(app, client)
    client.post_form("/logout", token_from="/")
    resp = thief.get("/invoices", headers={"HX-Request": "true"})
    assert resp.status_code == 401 and resp.headers["HX-Redirect"].startswith("/login?")


def test_copied_cookie_cannot_post_after_logout(app, client, customer, login_as, session):
    login_as(client, customer)
    thief = copy_cookie(app, client)
    token = thief.csrf_token("/my-details")
    client.post_form("/logout", token_from="/")
    resp = thief.post("/my-details/contact", data={"csrf_token": token, "name": "Hijacked", "email": customer.email})
    assert resp.status_code in (400, 401)  # the session (and its CSRF secret) is gone
    session.expire_all()
    assert session.get(Customer, customer.id).name == "Sesiune Client"


def test_copied_cookie_stops_working_after_a_password_change(app, client, customer, login_as, session):
    login_as(client, customer)
    thief = copy_cookie(app, client)
    other_device = app.test_client()
    login_as(other_device, customer)
    resp = client.post_form("/my-details/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                                     "new_password_repeat": NEW_PASSWORD}, token_from="/my-details")
    assert resp.status_code == 303
    assert not logged_in(thief) and not logged_in(other_device)
    assert logged_in(client)  # the browser that changed it goes on in a new session
    session.expire_all()
    reasons = set(session.scalars(select(UserSession.revoked_reason).where(UserSession.customer_id == customer.id)))
    assert "password_changed" in reasons


def test_a_cookie_from_before_server_side_sessions_logs_nobody_in(client, customer):
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"] = customer.get_id(), True  # no server record behind it
    assert not logged_in(client)
    with client.session_transaction() as sess:
        sess["_user_id"], sess["_fresh"], sess["sid"] = customer.get_id(), True, "guessed-session-id"
    assert not logged_in(client)


def test_a_session_of_one_customer_does_not_log_in_another(client, make, customer, session):
    other = make.make_customer()
    give_session(client, session, customer)
    with client.session_transaction() as sess:
        sess["_user_id"] = other.get_id()  # a forged user id on a live session id of someone else
    assert not logged_in(client)


def test_an_idle_session_is_over(app, client, customer, login_as, session):
    login_as(client, customer)
    session.query(UserSession).update({"last_seen_at": dt.datetime.now(dt.UTC) - dt.timedelta(days=15)})
    session.commit()
    assert not logged_in(client)


def test_last_seen_is_updated_at_most_once_a_minute(client, customer, login_as, session):
    login_as(client, customer)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    session.query(UserSession).update({"last_seen_at": past})
    session.commit()
    assert logged_in(client)
    session.expire_all()
    seen = session.scalars(select(UserSession.last_seen_at)).one()
    assert seen > past + dt.timedelta(minutes=4)
    assert logged_in(client)
    session.expire_all()
    assert session.scalars(select(UserSession.last_seen_at)).one() == seen  # no write on every request


# --- mail links (hole 6) ----------------------------------------------------------------------------

def test_revoking_the_mail_links_ends_the_sessions_they_opened(app, client, make, customer, login_as, session,
                                                               login_staff):
    invoice = make.make_proforma(customer)
    link_browser = app.test_client()
    assert link_browser.get(mail_link(session, customer, invoice)).status_code == 303
    thief = copy_cookie(app, link_browser)
    assert logged_in(link_browser) and logged_in(thief)
    login_as(client, customer)  # the customer's own password session
    staff = app.test_client()
    login_staff(staff, make.make_staff(role="support"))
    resp = staff.post_form(f"/staff/customers/{customer.id}/revoke-links", token_from=f"/staff/customers/{customer.id}")
    assert resp.status_code == 303
    assert not logged_in(link_browser) and not logged_in(thief)
    assert logged_in(client)  # a session opened with the password is not a link's session
    session.expire_all()
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "maillogin.revoked")).one()
    assert entry.data["sessions_ended"] == 1


def test_changing_the_password_ends_the_session_a_link_opened_elsewhere(app, client, make, customer, login_as,
                                                                          session):
    invoice = make.make_proforma(customer)
    link_browser = app.test_client()
    link_browser.get(mail_link(session, customer, invoice))
    assert logged_in(link_browser)
    login_as(client, customer)
    client.post_form("/my-details/password", {"current_password": PASSWORD, "new_password": NEW_PASSWORD,
                                              "new_password_repeat": NEW_PASSWORD}, token_from="/my-details")
    assert not logged_in(link_browser)


# --- staff -------------------------------------------------------------------------------------------

def test_staff_ending_the_customers_sessions_logs_out_every_copy(app, client, make, customer, login_as, session,
                                                                  login_staff):
    login_as(client, customer)
    thief = copy_cookie(app, client)
    staff = app.test_client()
    login_staff(staff, make.make_staff(role="support"))
    page = staff.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert "End all sessions" in page
    resp = staff.post_form(f"/staff/customers/{customer.id}/end-sessions", token_from=f"/staff/customers/{customer.id}")
    assert resp.status_code == 303
    assert not logged_in(client) and not logged_in(thief)
    assert staff.get("/staff/").status_code == 200  # the staff user's own session is untouched
    session.expire_all()
    entry = session.scalars(select(AuditLog).where(AuditLog.action == "customer.sessions_ended")).one()
    assert entry.actor_kind == "staff" and entry.customer_id == customer.id and entry.data == {"count": 1}


def test_ending_sessions_needs_a_post_with_csrf(make, customer, login_staff, client, login_as, app):
    login_as(client, customer)
    staff = app.test_client()
    login_staff(staff, make.make_staff())
    assert staff.get(f"/staff/customers/{customer.id}/end-sessions").status_code == 405
    assert staff.post(f"/staff/customers/{customer.id}/end-sessions").status_code == 400
    assert logged_in(client)


def test_copied_staff_cookie_stops_working_after_staff_logout(app, make, login_staff, session):
    staff_user = make.make_staff()
    staff = app.test_client()
    login_staff(staff, staff_user)
    thief = copy_cookie(app, staff)
    assert thief.get("/staff/").status_code == 200
    resp = staff.post_form("/staff/logout", token_from="/staff/")
    assert resp.status_code == 302
    resp = thief.get("/staff/customers")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/staff/login")
    assert thief.get("/staff/customers", headers={"HX-Request": "true"}).status_code == 401


def test_staff_login_creates_a_server_side_session(app, make, session):
    import pyotp

    from hostico.accounts.second_factor import new_secret

    secret = new_secret()
    staff_user = make.make_staff(totp_secret=secret, totp_enabled=True)
    staff = app.test_client()
    staff.post_form("/staff/login", {"email": staff_user.email, "password": PASSWORD}, token_from="/staff/login")
    staff.post_form("/staff/login/code", {"code": pyotp.TOTP(secret).now()}, token_from="/staff/login/code")
    assert staff.get("/staff/").status_code == 200
    record = session.scalars(select(UserSession).where(UserSession.staff_id == staff_user.id)).one()
    assert record.kind == "staff" and record.via == "password" and record.revoked_at is None


# --- My Details: where you are logged in ------------------------------------------------------------

def test_my_details_lists_the_active_sessions_with_device_and_address(app, client, customer, login_as):
    login_as(client, customer)
    phone = app.test_client()
    phone.environ_base.update(REMOTE_ADDR="192.0.2.7", HTTP_USER_AGENT=(
        "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0"))
    login_as(phone, customer)
    page = client.get("/my-details").get_data(as_text=True)
    assert "Where you are logged in" in page
    assert "Firefox on Android" in page and "192.0.2.7" in page
    assert "this device" in page


def test_customer_ends_one_other_session_with_htmx(app, client, customer, login_as, session):
    login_as(client, customer)
    other = app.test_client()
    login_as(other, customer)
    other_id = max(session.scalars(select(UserSession.id)))
    resp = client.post_form(f"/my-details/sessions/{other_id}/end", headers={"HX-Request": "true"},
                            token_from="/my-details")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200 and body.lstrip().startswith('<section class="card" id="sessions"')
    assert "That session was ended." in body and f"session-{other_id}" not in body
    assert not logged_in(other) and logged_in(client)


def test_customer_ends_all_other_sessions_without_javascript(app, client, customer, login_as):
    login_as(client, customer)
    others = [app.test_client() for _ in range(2)]
    for other in others:
        login_as(other, customer)
    resp = client.post_form("/my-details/sessions/end-others", token_from="/my-details")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/my-details#sessions")
    assert "2 other sessions were ended." in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert not any(logged_in(other) for other in others)
    assert logged_in(client)


def test_a_customer_cannot_end_another_customers_session(app, client, make, customer, login_as, session):
    bob = make.make_customer()
    bob_client = app.test_client()
    login_as(bob_client, bob)
    bob_session = session.scalars(select(UserSession.id).where(UserSession.customer_id == bob.id)).one()
    login_as(client, customer)
    resp = client.post_form(f"/my-details/sessions/{bob_session}/end", token_from="/my-details")
    assert resp.status_code == 404
    assert logged_in(bob_client)


def test_ending_sessions_in_my_details_needs_csrf(app, client, customer, login_as):
    login_as(client, customer)
    other = app.test_client()
    login_as(other, customer)
    assert client.post("/my-details/sessions/end-others").status_code == 400
    assert logged_in(other)
