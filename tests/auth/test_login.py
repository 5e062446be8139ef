"""Customer login, logout, rate limits and session renewal."""

import pytest

from tests.factories import PASSWORD


def test_login_with_the_right_password_opens_the_dashboard(client, make, login_as):
    c = make.make_customer(name="Ioana Pop")
    resp = login_as(client, c)
    assert resp.status_code == 302 and resp.headers["Location"] == "/"
    page = client.get("/")
    assert page.status_code == 200 and "Ioana Pop" in page.get_data(as_text=True)


def test_wrong_password_and_unknown_email_answer_identically(client, make):
    c = make.make_customer()
    wrong = client.post_form("/login", {"email": c.email, "password": "nope-nope"})
    unknown = client.post_form("/login", {"email": "nobody@example.com", "password": "nope-nope"})
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: r.get_data(as_text=True).replace(c.email, "X").replace("nobody@example.com", "X")  # noqa: E731
    import re
    norm = lambda s: re.sub(r'value="[^"]*"|"X-CSRFToken": "[^"]*"', "", s)  # noqa: E731
    assert norm(strip(wrong)) == norm(strip(unknown))
    assert "Wrong email or password." in wrong.get_data(as_text=True)


def test_session_cookie_changes_at_login(client, make, login_as):
    c = make.make_customer()
    client.get("/login")
    before = client.get_cookie("session").value
    login_as(client, c)
    after = client.get_cookie("session").value
    assert before != after
    with client.session_transaction() as sess:
        assert "sid" in sess and sess.get("_user_id", "").startswith("c:")


def test_pre_login_cookie_is_not_logged_in_after_login(app, make, login_as):
    c = make.make_customer()
    attacker = app.test_client()
    attacker.get("/login")
    planted = attacker.get_cookie("session").value
    victim = app.test_client()
    victim.set_cookie("session", planted)
    login_as(victim, c)
    assert victim.get_cookie("session").value != planted
    # The attacker's copy of the pre-login cookie is still anonymous.
    assert attacker.get("/invoices").status_code == 302


def test_logout_requires_post_and_ends_the_session(client, make, login_as):
    c = make.make_customer()
    login_as(client, c)
    assert client.get("/logout").status_code == 405
    resp = client.post_form("/logout", token_from="/")
    assert resp.status_code == 302
    assert client.get("/").status_code == 302


def test_revoking_every_session_of_the_customer_logs_this_browser_out(client, make, login_as, session):
    from hostico.accounts.login_sessions import revoke_all
    from hostico.models import Customer

    c = make.make_customer()
    login_as(client, c)
    assert client.get("/").status_code == 200
    revoke_all(session, session.get(Customer, c.id), reason="test")
    session.commit()
    resp = client.get("/")
    assert resp.status_code == 302 and "reason=ended" in resp.headers["Location"]


def test_wrong_passwords_on_one_account_from_one_client_are_delayed(client, make):
    """Per account and client together, a growing delay (tests/security/test_login_delay.py)."""
    c = make.make_customer()
    token = client.csrf_token()
    codes = [client.post("/login", data={"email": c.email, "password": "bad-pass", "csrf_token": token}).status_code
             for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429
    # Even the right password waits while this client is delayed.
    assert client.post("/login", data={"email": c.email, "password": PASSWORD, "csrf_token": token}).status_code == 429


@pytest.mark.parametrize("next_url,expected", [
    ("/invoices", "/invoices"),
    ("//evil.example/x", "/"),
    ("https://evil.example/", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_login_next_only_accepts_local_paths(client, make, next_url, expected):
    c = make.make_customer()
    resp = client.post_form("/login", {"email": c.email, "password": PASSWORD, "next": next_url})
    assert resp.headers["Location"] == expected


def test_login_without_csrf_token_is_refused(client, make):
    c = make.make_customer()
    resp = client.post("/login", data={"email": c.email, "password": PASSWORD})
    assert resp.status_code == 400
