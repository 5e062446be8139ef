"""docs/security.md 19: CSP, framing, nosniff on every GET page; cookie flags always; HSTS and Secure in production."""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from hostico.web.app import create_app
from hostico.web.htmx import HTMX_CDN_URL, HTMX_SRI
from tests.factories import PASSWORD
from tests.security.conftest import ROLES, act_as, get_pages
from tests.security.discover import script_sources


def _csp(resp) -> dict[str, list[str]]:
    policy = resp.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def _header_problems(resp) -> list[str]:
    problems = []
    csp = _csp(resp)
    script_src = csp.get("script-src", csp.get("default-src"))
    if script_src is None or set(script_src) - {"'self'", HTMX_CDN_URL}:
        problems.append(f"script-src {script_src}")
    if csp.get("frame-ancestors") != ["'none'"]:
        problems.append(f"frame-ancestors {csp.get('frame-ancestors')}")
    if csp.get("object-src") != ["'none'"]:
        problems.append("object-src")
    if resp.headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("nosniff")
    if resp.headers.get("Cross-Origin-Opener-Policy") != "same-origin":
        problems.append("Cross-Origin-Opener-Policy")
    if resp.headers.get("Referrer-Policy") not in ("same-origin", "no-referrer"):
        problems.append(f"Referrer-Policy {resp.headers.get('Referrer-Policy')}")
    return problems


@pytest.mark.parametrize("role", ROLES)
def test_every_get_page_carries_the_security_headers(app, world, role):
    client = app.test_client()
    failures, pages = [], get_pages(app, role, world)
    for url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            act_as(client, role, world)
            resp = client.get(url, headers=headers)
            problems = _header_problems(resp)
            if problems:
                failures.append(f"{url} ({resp.status_code}, htmx={bool(headers)}): {problems}")
    assert pages, f"no GET page found for {role}"
    assert not failures, "\n".join(failures)


def test_error_pages_carry_the_headers_too(app, client):
    assert not _header_problems(client.get("/no-such-page"))
    assert not _header_problems(client.post("/login"))  # CSRF refusal


def test_pages_load_scripts_only_from_this_site_or_the_pinned_cdn_with_sri(app, world):
    client = app.test_client()
    failures, seen = [], 0
    for role, url in [(role, url) for role in ROLES for url in get_pages(app, role, world)]:
        act_as(client, role, world)
        resp = client.get(url)
        if not resp.mimetype.startswith("text/html"):
            continue
        for src, integrity in script_sources(resp.get_data(as_text=True)):
            seen += 1
            if src.startswith("/static/"):
                continue
            if src != HTMX_CDN_URL or integrity != HTMX_SRI:
                failures.append(f"{url}: <script src={src} integrity={integrity}>")
    assert seen, "no page with scripts found"
    assert not failures, "\n".join(failures)


def _login_cookies(app, make) -> tuple[object, list[SimpleCookie]]:
    client = app.test_client()
    customer = make.make_customer()
    resp = client.post_form("/login", {"email": customer.email, "password": PASSWORD})
    assert resp.status_code == 302, resp.status_code
    cookies = []
    for header in resp.headers.getlist("Set-Cookie"):
        cookie = SimpleCookie()
        cookie.load(header)
        cookies.append((header, cookie))
    assert cookies, "login set no cookie"
    return resp, cookies


def test_cookies_are_httponly_and_samesite_lax_in_development(app, make):
    resp, cookies = _login_cookies(app, make)
    for header, cookie in cookies:
        for morsel in cookie.values():
            assert morsel["httponly"], header
            assert morsel["samesite"].lower() == "lax", header
    assert "Strict-Transport-Security" not in resp.headers  # plain-HTTP development must not pin HTTPS


@pytest.fixture
def production_app(test_config):
    from hostico.web.database import db
    from tests.conftest import PRODUCTION_SECRETS

    config = dict(test_config, ENV="production", **PRODUCTION_SECRETS)
    config.pop("TESTING")
    app = create_app(config)
    from tests.conftest import CSRFClient

    app.test_client_class = CSRFClient
    yield app
    db.get(app).session.remove()
    db.get(app).engine.dispose()


def test_production_sets_hsts_and_secure_cookies(production_app, make):
    resp, cookies = _login_cookies(production_app, make)
    hsts = resp.headers.get("Strict-Transport-Security", "")
    assert "max-age=" in hsts and int(hsts.split("max-age=")[1].split(";")[0]) >= 31536000
    for header, cookie in cookies:
        for morsel in cookie.values():
            assert morsel["secure"], header
            assert morsel["httponly"], header
            assert morsel["samesite"].lower() == "lax", header
    assert not _header_problems(resp)


def test_production_refuses_to_start_without_a_secret_key(test_config):
    config = dict(test_config, ENV="production")
    config.pop("SECRET_KEY")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config)
