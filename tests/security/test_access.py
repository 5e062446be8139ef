"""docs/security.md items 13-14: object ids of another customer answer 404 on every method; staff routes refuse others.

Extends tests/client/test_access.py from the client blueprint to every logged-in route of the app.
"""

from __future__ import annotations

from tests.security.conftest import act_as, signed_csrf
from tests.security.discover import SHARED_ARGS, app_rules, build_url, role_of

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _customer_rules_with_ids(app):
    return [r for r in app_rules(app, METHODS)
            if role_of(app, r) == "customer" and set(r.arguments) - set(SHARED_ARGS)]


def test_every_customer_route_with_another_customers_id_answers_404(app, world):
    client = app.test_client()
    failures, checked = [], 0
    for rule in _customer_rules_with_ids(app):
        unknown = set(rule.arguments) - set(world.bob_ids) - set(SHARED_ARGS)
        assert not unknown, f"{rule.rule}: teach tests/security/conftest.py an id of another customer for {unknown}"
        url = build_url(rule, world.bob_ids, fallback=None)
        for method in sorted(set(rule.methods) & set(METHODS)):
            act_as(client, "customer", world)
            data = None if method == "GET" else {"csrf_token": signed_csrf(app), "kind": "person", "name": "X"}
            resp = client.open(url, method=method, data=data)
            checked += 1
            if resp.status_code != 404:
                failures.append(f"{method} {url}: {resp.status_code}")
    assert checked >= 2
    assert not failures, "another customer's objects reachable:\n" + "\n".join(failures)


def test_the_owner_reaches_the_same_get_routes(app, world):
    """The control: Alice's own ids open the pages that answered 404 for Bob's."""
    client = app.test_client()
    failures = []
    for rule in _customer_rules_with_ids(app):
        if "GET" not in rule.methods:
            continue
        act_as(client, "customer", world)
        url = build_url(rule, world.alice_ids, fallback=None)
        resp = client.get(url)
        if resp.status_code == 404:
            failures.append(url)
    assert not failures, failures


def test_staff_routes_refuse_customers_and_anonymous_visitors(app, world):
    client = app.test_client()
    failures, checked = [], 0
    for rule in app_rules(app, METHODS):
        if role_of(app, rule) != "staff":
            continue
        url = build_url(rule, world.alice_ids)
        for method in sorted(set(rule.methods) & set(METHODS)):
            data = None if method == "GET" else {"csrf_token": signed_csrf(app)}
            act_as(client, "customer", world)
            as_customer = client.open(url, method=method, data=data)
            act_as(client, "public", world)
            as_anonymous = client.open(url, method=method, data=data)
            checked += 1
            if as_customer.status_code != 403:
                failures.append(f"{method} {url} as a customer: {as_customer.status_code}")
            anon_ok = (as_anonymous.status_code == 302 and "/login" in as_anonymous.headers["Location"]) \
                if method == "GET" else as_anonymous.status_code in (401, 403)
            if not anon_ok:
                failures.append(f"{method} {url} anonymous: {as_anonymous.status_code}")
    assert checked >= 1
    assert not failures, "\n".join(failures)


def test_staff_session_without_second_factor_is_sent_to_login(app, world):
    client = app.test_client()
    act_as(client, "staff", world)
    with client.session_transaction() as sess:
        from hostico.staff import STAFF_MFA_KEY

        sess.pop(STAFF_MFA_KEY)
    resp = client.get("/staff/")
    assert resp.status_code == 302 and "login" in resp.headers["Location"]
