"""docs/security.md item 16: every state-changing route refuses a request without a valid CSRF token, htmx included.

Routes come from `app.url_map`; the only routes let through are those flask-wtf itself exempts
(`csrf.exempt`), and each of those must still refuse an unsigned request (they verify another signature).
"""

from __future__ import annotations

import pytest

from tests.security.conftest import act_as, signed_csrf
from tests.security.discover import STATE_CHANGING, app_rules, build_url, is_csrf_exempt, role_of


def _is_csrf_refusal(resp) -> bool:
    body = resp.get_data(as_text=True)
    return resp.status_code == 400 and ("CSRF" in body or "form expired" in body)


def _state_changing(app):
    return [(rule, method) for rule in app_rules(app, STATE_CHANGING) for method in sorted(rule.methods)
            if method in STATE_CHANGING and not is_csrf_exempt(app, rule)]


def test_the_walk_finds_the_known_post_routes(app):
    found = {rule.rule for rule, _ in _state_changing(app)}
    assert {"/login", "/logout"} <= found, found


@pytest.mark.parametrize("variant", ["no token", "htmx without token", "forged token", "token of another session"])
def test_every_state_changing_route_refuses_a_request_without_a_valid_token(app, world, variant):
    client = app.test_client()
    other = app.test_client()  # a browser with its own random session token
    foreign_token = other.csrf_token("/login")  # valid, but for another browser's session
    failures, checked = [], 0
    for rule, method in _state_changing(app):
        role = role_of(app, rule)
        act_as(client, role, world)
        url = build_url(rule, world.alice_ids)
        data, headers = {"name": "x", "email": "x@example.com"}, {}
        if variant == "htmx without token":
            headers = {"HX-Request": "true"}
        elif variant == "forged token":
            data["csrf_token"] = signed_csrf(app)[:-4] + "AAAA"
        elif variant == "token of another session":
            data["csrf_token"] = foreign_token
        resp = client.open(url, method=method, data=data, headers=headers)
        checked += 1
        if not _is_csrf_refusal(resp):
            failures.append(f"{method} {url} as {role}: {resp.status_code}")
    assert checked >= 2
    assert not failures, "accepted without a valid CSRF token:\n" + "\n".join(failures)


def test_a_valid_token_passes_the_csrf_check(app, world):
    """The control: the refusals above come from the token, not from the route refusing everything."""
    client = app.test_client()
    passed = []
    for rule, method in _state_changing(app):
        role = role_of(app, rule)
        act_as(client, role, world)
        resp = client.open(build_url(rule, world.alice_ids), method=method, data={"csrf_token": signed_csrf(app)})
        if not _is_csrf_refusal(resp):
            passed.append(rule.rule)
    assert "/login" in passed and "/logout" in passed, passed


def test_csrf_exempt_routes_still_refuse_unsigned_requests(app, world):
    """An exempt route (a gateway webhook) must verify its own signature: an unsigned POST is refused."""
    client = app.test_client()
    exempt = [r for r in app_rules(app, STATE_CHANGING) if is_csrf_exempt(app, r)]
    failures = []
    for rule in exempt:
        for method in sorted(set(rule.methods) & set(STATE_CHANGING)):
            resp = client.open(build_url(rule, world.alice_ids), method=method, json={"id": "evt_1", "amount": "1"})
            if not 400 <= resp.status_code < 500:
                failures.append(f"{method} {rule.rule}: {resp.status_code}")
    assert not failures, "CSRF-exempt routes accepting unsigned requests:\n" + "\n".join(failures)


def test_the_app_checks_csrf_on_every_state_changing_method(app):
    assert set(STATE_CHANGING) <= set(app.config.get("WTF_CSRF_METHODS", STATE_CHANGING))
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    assert app.config.get("WTF_CSRF_CHECK_DEFAULT", True) is True
