"""docs/security.md item 15: no open redirect. Every GET route, and every form with a redirect field, is tried with
off-site targets; the redirect parameter names are read from the views' source, not listed by hand."""

from __future__ import annotations

import pathlib
import re

import pytest

import hostico
from tests.security.conftest import ROLES, act_as, discover_forms, get_pages, signed_csrf
from tests.security.discover import is_local_location

EVIL = ["//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "http:evil.example",
        " //evil.example", "/\t/evil.example", "javascript:alert(1)", "https:/evil.example"]
_PARAM = re.compile(r"""request\.(?:args|values|form)\.get\(\s*["'](\w+)["']""")
_REDIRECTISH = re.compile(r"next|redirect|return|back|continue|target|dest|url", re.I)


def redirect_params() -> set[str]:
    """Names of request parameters that look like redirect targets anywhere in the app's source."""
    names = {"next"}
    for path in pathlib.Path(hostico.__file__).parent.rglob("*.py"):
        names |= {n for n in _PARAM.findall(path.read_text(encoding="utf-8")) if _REDIRECTISH.search(n)}
    return names


def test_the_source_scan_finds_the_login_next_parameter():
    assert "next" in redirect_params()


@pytest.mark.parametrize("location,local", [
    ("/invoices", True), ("/login?next=/x", True), ("http://localhost/x", True),
    ("//evil.example", False), ("/\\evil.example", False), ("https://evil.example/", False),
    ("javascript:alert(1)", False), (" //evil.example", False), ("/\t/evil.example", False),
])
def test_the_local_location_check_reads_urls_like_a_browser(location, local):
    assert is_local_location(location) is local


@pytest.mark.slow
@pytest.mark.parametrize("role", ROLES)
def test_no_get_route_redirects_off_site(app, world, role):
    client = app.test_client()
    params = sorted(redirect_params())
    failures, checked = [], 0
    for url in get_pages(app, role, world):
        for evil in EVIL:
            act_as(client, role, world)
            resp = client.get(url, query_string={p: evil for p in params})
            checked += 1
            if not is_local_location(resp.headers.get("Location")) or not is_local_location(
                    resp.headers.get("HX-Redirect")):
                failures.append(f"{url}?{params}={evil!r} -> {resp.headers.get('Location')}")
    assert checked
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_no_form_with_a_redirect_field_redirects_off_site(app, world, role):
    client = app.test_client()
    params = redirect_params()
    forms = [f for f in discover_forms(app, world, role) if set(f.fields) & params or f.action.endswith("/login")]
    assert forms or role != "public", "the login form was not found"
    failures = []
    for form in forms:
        for evil in EVIL:
            act_as(client, role, world)
            data = dict(form.fields, csrf_token=signed_csrf(app))
            data.update({p: evil for p in params})
            resp = client.open(form.action, method=form.method, data=data)
            if not is_local_location(resp.headers.get("Location")):
                failures.append(f"{form.method} {form.action} next={evil!r} -> {resp.headers.get('Location')}")
    assert not failures, "\n".join(failures)


def test_login_with_an_off_site_next_lands_on_the_dashboard(client, make):
    from tests.factories import PASSWORD

    customer = make.make_customer()
    for evil in EVIL:
        client.post_form("/logout", token_from="/login")
        resp = client.post_form("/login", {"email": customer.email, "password": PASSWORD, "next": evil})
        assert resp.status_code == 302 and resp.headers["Location"] == "/", (evil, resp.headers.get("Location"))
