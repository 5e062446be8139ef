"""docs/security.md items 3 and 12: guessing 2FA codes and mail-login tokens is rate limited.

The tests find the routes in the URL map and fail with a clear message when one is missing.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pyotp

from tests.factories import PASSWORD
from tests.security.discover import app_rules, parse_forms

ATTEMPTS = 30


def _code_field(form_fields: dict) -> str:
    names = [n for n in form_fields if n not in ("csrf_token", "next", "remember", "trust")]
    assert names, f"no code field in the 2FA form: {form_fields}"
    return next((n for n in names if "code" in n or "token" in n or "otp" in n), names[0])


def _start_second_step(client, login_url: str, email: str) -> tuple[str, str]:
    """Log in with the password and return (2FA form action, code field name)."""
    try:
        resp = client.post_form(login_url, {"email": email, "password": PASSWORD}, token_from=login_url)
    except NotImplementedError as exc:
        raise AssertionError(f"missing: the 2FA login step after {login_url} ({exc})") from exc
    assert resp.status_code in (200, 302, 303), f"password step of {login_url} answered {resp.status_code}"
    page = urlsplit(resp.headers["Location"]).path if resp.status_code != 200 else login_url
    html = client.get(page).get_data(as_text=True) if resp.status_code != 200 else resp.get_data(as_text=True)
    forms = [f for f in parse_forms(page, html) if f.method == "POST" and len(f.fields) > 1]
    assert forms, f"no 2FA form on {page}"
    # The authenticator-code form first (a page may also offer a recovery-code form).
    forms.sort(key=lambda f: any("recovery" in n for n in f.fields))
    return urlsplit(forms[0].action).path, _code_field(forms[0].fields)


def _guess_codes(app, client, secret: str, login_url: str, email: str, home: str) -> None:
    action, field = _start_second_step(client, login_url, email)
    token = client.csrf_token(login_url)
    right = pyotp.TOTP(secret).now()
    wrong = f"{(int(right) + 500000) % 1000000:06d}"
    codes = [client.post(action, data={field: wrong, "csrf_token": token}).status_code for _ in range(ATTEMPTS)]
    assert 500 not in codes, codes
    after = client.post(action, data={field: right, "csrf_token": token})
    assert 429 in codes or after.status_code == 429, f"{ATTEMPTS} wrong codes on {action} were never limited: {codes}"
    assert client.get(home).status_code in (302, 303, 401), "the right code still logged in after the guessing"


def test_two_factor_codes_cannot_be_guessed_without_limit(app, client, make):
    secret = pyotp.random_base32()
    customer = make.make_customer(totp_secret=secret, totp_enabled=True)
    _guess_codes(app, client, secret, "/login", customer.email, "/invoices")


def test_staff_two_factor_codes_cannot_be_guessed_without_limit(app, client, make):
    login = [r for r in app_rules(app, ("POST",)) if r.endpoint == "staff.login"]
    assert login, "missing: no staff login (staff.login) in the URL map"
    secret = pyotp.random_base32()
    staff = make.make_staff(totp_secret=secret, totp_enabled=True)
    _guess_codes(app, client, secret, login[0].rule, staff.email, "/staff/")


def _mail_link_rules(app):
    return [r for r in app_rules(app, ("GET",)) if r.rule.startswith("/m/") and r.arguments]


def test_mail_login_tokens_cannot_be_guessed_without_limit(app, client):
    rules = _mail_link_rules(app)
    assert rules, "missing: no mail-login route (/m/<token>) in the URL map"
    rule = rules[0]
    codes = []
    for i in range(100):
        url = rule.build({a: f"eyJhbGciOiJIUzI1NiJ9.e30.guess{i}" for a in rule.arguments}, append_unknown=False)[1]
        codes.append(client.get(url).status_code)
        if codes[-1] == 429:
            break
    assert 500 not in codes, codes
    assert codes[-1] == 429, f"100 forged mail-login tokens from one IP were never limited: {codes[-5:]}"


def test_a_valid_mail_link_is_refused_while_the_ip_is_limited(app, client, make, session):
    from hostico.maillogin.links import invoice_link

    rules = _mail_link_rules(app)
    assert rules, "missing: no mail-login route (/m/<token>) in the URL map"
    customer = make.make_customer()
    invoice = make.make_proforma(customer)
    url = invoice_link(session, customer_id=customer.id, invoice_id=invoice.id, invoice_code=invoice.code,
                       sent_at=dt.datetime.now(dt.UTC), base_url="http://localhost", secret_key=app.secret_key)
    session.commit()
    path = urlsplit(url).path
    assert path.startswith("/m/"), f"missing: invoice_link() does not mint /m/ links yet ({url})"
    for i in range(100):
        if client.get(f"/m/forged.token.{i}").status_code == 429:
            break
    resp = client.get(path)
    assert resp.status_code == 429, resp.status_code
    assert client.get("/invoices").status_code == 302  # no session was opened


def test_mail_link_answers_never_leak_the_token(app, client):
    """docs/security.md item 11: no-referrer, no-store, and the token does not stay in the address bar."""
    rules = _mail_link_rules(app)
    assert rules, "missing: no mail-login route (/m/<token>) in the URL map"
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.forged-signature"
    resp = client.get(rules[0].build({a: token for a in rules[0].arguments}, append_unknown=False)[1])
    assert resp.status_code in (302, 303), resp.status_code
    assert resp.headers.get("Referrer-Policy") == "no-referrer"
    assert "no-store" in resp.headers.get("Cache-Control", "")
    assert token not in resp.headers.get("Location", "")
