"""Staff login at /staff/login: password, then a required TOTP code (enrolled at first login)."""

import re

import pyotp
from sqlalchemy import select

from hostico.models import AuditLog, StaffUser
from tests.staff.conftest import totp_code

CSRF_VALUE = re.compile(r'value="[^"]*"|"X-CSRFToken": "[^"]*"')


def test_password_alone_does_not_open_the_staff_area(client, make_staff):
    staff = make_staff()
    resp = client.post_form("/staff/login", {"email": staff.email, "password": "correct horse battery"},
                            token_from="/staff/login")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/staff/login/code")
    resp = client.get("/staff/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/staff/login")


def test_password_and_code_open_the_dashboard(client, make_staff, staff_login, session):
    staff = make_staff()
    resp = staff_login(client, staff)
    assert resp.status_code == 302 and resp.headers["Location"] == "/staff/"
    page = client.get("/staff/")
    assert page.status_code == 200 and "What needs attention" in page.get_data(as_text=True)
    assert session.scalar(select(AuditLog).where(AuditLog.action == "staff.login", AuditLog.actor_id == staff.id))


def test_wrong_code_is_refused(client, make_staff, staff_login):
    staff = make_staff()
    good = totp_code(staff.totp_secret)
    wrong = f"{(int(good) + 1) % 1_000_000:06d}"
    resp = staff_login(client, staff, code=wrong)
    assert resp.status_code == 401 and "Wrong or already used code." in resp.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302


def test_replayed_code_is_refused(client, app, make_staff, staff_login):
    staff = make_staff()
    code = totp_code(staff.totp_secret)
    assert staff_login(client, staff, code=code).status_code == 302
    client.post_form("/staff/logout", token_from="/staff/")
    other = app.test_client()  # an attacker who saw the code, in another browser
    resp = staff_login(other, staff, code=code)
    assert resp.status_code == 401
    assert "Wrong or already used code." in resp.get_data(as_text=True)
    assert other.get("/staff/").status_code == 302


def test_wrong_password_and_unknown_email_answer_alike(client, make_staff):
    staff = make_staff()
    wrong_pw = client.post_form("/staff/login", {"email": staff.email, "password": "nope-nope"},
                                token_from="/staff/login")
    unknown = client.post_form("/staff/login", {"email": "nobody@example.com", "password": "nope-nope"},
                               token_from="/staff/login")
    assert wrong_pw.status_code == unknown.status_code == 401
    body_a = CSRF_VALUE.sub("", wrong_pw.get_data(as_text=True)).replace(staff.email, "EMAIL")
    body_b = CSRF_VALUE.sub("", unknown.get_data(as_text=True)).replace("nobody@example.com", "EMAIL")
    assert body_a == body_b
    assert "Wrong email or password." in body_a


def test_disabled_staff_and_customers_get_the_same_neutral_answer(client, make_staff, make):
    disabled = make_staff(active=False)
    customer = make.make_customer()
    for email in (disabled.email, customer.email):
        resp = client.post_form("/staff/login", {"email": email, "password": "correct horse battery"},
                                token_from="/staff/login")
        assert resp.status_code == 401 and "Wrong email or password." in resp.get_data(as_text=True)


def test_code_step_without_password_step_goes_back_to_login(client):
    for path in ("/staff/login/code", "/staff/login/enrol"):
        resp = client.get(path)
        assert resp.status_code == 302 and resp.headers["Location"] == "/staff/login"
        resp = client.post_form(path, {"code": "123456"}, token_from="/staff/login")
        assert resp.status_code == 302 and resp.headers["Location"] == "/staff/login"


def test_first_login_enrols_totp_before_getting_in(client, make_staff, session):
    staff = make_staff(enrolled=False)
    resp = client.post_form("/staff/login", {"email": staff.email, "password": "correct horse battery"},
                            token_from="/staff/login")
    assert resp.headers["Location"].endswith("/staff/login/enrol")
    page = client.get("/staff/login/enrol").get_data(as_text=True)
    assert 'src="data:image/svg+xml;base64,' in page
    secret = re.search(r'<code class="secret" data-secret="([A-Z2-7]+)">', page).group(1)
    assert f">{secret[:4]} {secret[4:8]} " in page  # shown in groups of four, to type by hand
    assert client.get("/staff/").status_code == 302  # not in before confirming
    bad = client.post_form("/staff/login/enrol", {"code": "000000" if pyotp.TOTP(secret).now() != "000000"
                                                   else "111111"}, token_from="/staff/login/enrol")
    assert bad.status_code == 401
    resp = client.post_form("/staff/login/enrol", {"code": pyotp.TOTP(secret).now()}, token_from="/staff/login/enrol")
    assert resp.status_code == 302 and resp.headers["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200
    session.expire_all()
    stored = session.get(StaffUser, staff.id)
    assert stored.totp_enabled and stored.totp_secret == secret and stored.totp_last_counter
    assert session.scalar(select(AuditLog).where(AuditLog.action == "staff.totp_enrolled"))


def test_enrolled_staff_never_see_the_enrolment_page(client, make_staff):
    staff = make_staff()
    client.post_form("/staff/login", {"email": staff.email, "password": "correct horse battery"},
                     token_from="/staff/login")
    resp = client.get("/staff/login/enrol")
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/staff/login/code")


def test_login_starts_a_new_session(client, make_staff, staff_login):
    staff = make_staff()
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    staff_login(client, staff)
    with client.session_transaction() as sess:
        assert "planted" not in sess and "staff_login_pending" not in sess
        assert sess["staff_mfa"] is True


def test_code_guessing_is_rate_limited(client, make_staff):
    staff = make_staff()
    client.post_form("/staff/login", {"email": staff.email, "password": "correct horse battery"},
                     token_from="/staff/login")
    token = client.csrf_token("/staff/login/code")
    good = totp_code(staff.totp_secret)
    wrong = f"{(int(good) + 7) % 1_000_000:06d}"
    statuses = [client.post("/staff/login/code", data={"code": wrong, "csrf_token": token}).status_code
                for _ in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429
    # Even the right code waits now.
    assert client.post("/staff/login/code", data={"code": good, "csrf_token": token}).status_code == 429


def test_next_is_kept_only_when_local(app, make_staff):
    for target, expected in (("/staff/audit", "/staff/audit"), ("//evil.example/x", "/staff/"),
                             ("https://evil.example/", "/staff/")):
        staff, c = make_staff(), app.test_client()
        c.post_form("/staff/login", {"email": staff.email, "password": "correct horse battery", "next": target},
                    token_from="/staff/login")
        resp = c.post_form("/staff/login/code", {"code": totp_code(staff.totp_secret)},
                           token_from="/staff/login/code")
        assert resp.headers["Location"] == expected


def test_pending_password_step_expires(client, make_staff, monkeypatch):
    import time

    from hostico.staff import auth

    staff = make_staff()
    client.post_form("/staff/login", {"email": staff.email, "password": "correct horse battery"},
                     token_from="/staff/login")
    real = time.time
    monkeypatch.setattr(auth.time, "time", lambda: real() + auth.PENDING_SECONDS + 1)
    resp = client.get("/staff/login/code")
    assert resp.status_code == 302 and resp.headers["Location"] == "/staff/login"


def test_logout_is_a_post_and_ends_the_session(client, make_staff, staff_login, session):
    staff = make_staff()
    staff_login(client, staff)
    assert client.get("/staff/logout").status_code == 405
    resp = client.post_form("/staff/logout", token_from="/staff/")
    assert resp.status_code == 302 and resp.headers["Location"] == "/staff/login"
    assert client.get("/staff/").status_code == 302
    assert session.scalar(select(AuditLog).where(AuditLog.action == "staff.logout"))


def test_customer_login_page_does_not_log_staff_in(client, make_staff):
    staff = make_staff()
    resp = client.post_form("/login", {"email": staff.email, "password": "correct horse battery"})
    assert resp.status_code == 401
    assert client.get("/staff/").status_code == 302


def test_demo_admin_logs_in_with_the_printed_totp_secret(app, client, runner):
    out = runner.invoke(args=["demo", "seed"]).output
    secret = re.search(r"admin@example\.com\s+password hostico-demo\s+TOTP secret ([A-Z2-7]+)", out).group(1)
    client.post_form("/staff/login", {"email": "admin@example.com", "password": "hostico-demo"},
                     token_from="/staff/login")
    resp = client.post_form("/staff/login/code", {"code": pyotp.TOTP(secret).now()}, token_from="/staff/login/code")
    assert resp.status_code == 302 and resp.headers["Location"] == "/staff/"
    assert client.get("/staff/customers?q=client%40example.com").status_code == 200


def test_password_guessing_is_delayed_per_account_and_client(client, make_staff):
    staff = make_staff()
    token = client.csrf_token("/staff/login")
    statuses = [client.post("/staff/login", data={"email": staff.email, "password": f"guess-{i}",
                                                  "csrf_token": token}).status_code for i in range(6)]
    assert statuses[:5] == [401] * 5 and statuses[5] == 429


def test_wrong_staff_codes_are_counted_on_the_account_and_throttle_it(client, make_staff, staff_login, session):
    from sqlalchemy import update

    from hostico.accounts import second_factor

    staff = make_staff()
    good = totp_code(staff.totp_secret)
    assert staff_login(client, staff, code=f"{(int(good) + 3) % 1_000_000:06d}").status_code == 401
    session.expire_all()
    assert session.get(StaffUser, staff.id).second_factor_failures == 1
    session.execute(update(StaffUser).where(StaffUser.id == staff.id)
                    .values(second_factor_failures=second_factor.MAX_FAILURES))
    session.commit()
    resp = client.post_form("/staff/login/code", {"code": good}, token_from="/staff/login/code")
    assert resp.status_code == 429 and "Too many wrong codes" in resp.get_data(as_text=True)
    assert client.get("/staff/").status_code == 302
