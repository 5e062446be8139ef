"""Every client page needs a login, and no customer ever sees another's objects."""

import re

import pytest
from sqlalchemy import select

from hostico.accounts.email_change import request_email_change
from hostico.accounts.login_sessions import create as create_login_session
from hostico.models import OutboxMessage


def _client_routes(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("client.") and "GET" in r.methods]


def test_every_client_page_sends_visitors_to_login(app, client):
    for rule in _client_routes(app):
        if getattr(app.view_functions[rule.endpoint], "is_public", False):
            # ordering is open to visitors (docs/accounts.md), and so is its price (docs/client-area.md)
            assert rule.endpoint in ("client.order", "client.order_summary"), rule.rule
            continue
        url = re.sub(r"<(?:\w+:)?(\w+)>", "1", rule.rule)
        resp = client.get(url)
        assert resp.status_code == 302, rule.rule
        assert resp.headers["Location"].startswith("/login?next="), rule.rule


def test_htmx_request_without_session_gets_401_and_hx_redirect(client):
    resp = client.get("/invoices", headers={"HX-Request": "true"})
    assert resp.status_code == 401
    assert resp.headers["HX-Redirect"].startswith("/login")


def test_every_client_route_with_another_customers_ids_is_404(app, client, make, login_as, session):
    alice = make.make_customer()
    bob = make.make_customer()
    bob_service = make.make_service(bob)
    bob_invoice = make.make_proforma(bob, service=bob_service)
    bob_profile = make.make_profile(bob)
    bob_checkout = make.make_checkout(bob, [bob_invoice])
    bob_session, _raw = create_login_session(session, bob)
    request_email_change(session, bob, "bob.new@example.com", secret_key="test-secret-key")
    session.commit()
    bob_change = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "email_change_confirm")).one()
    login_as(client, alice)
    ids = {"reference": bob_checkout.reference, "code": bob_invoice.code, "number": bob_invoice.code,
           "service_id": bob_service.id, "profile_id": bob_profile.id, "invoice_id": bob_invoice.id,
           "order_id": bob_service.id, "tax_code": bob_invoice.code, "session_id": bob_session.id,
           "token": bob_change.context["token"]}
    checked = 0
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("client.") or not rule.arguments:
            continue
        missing = set(rule.arguments) - set(ids)
        assert not missing, f"{rule.rule}: add an id of another customer for {missing}"
        url = rule.build({a: ids[a] for a in rule.arguments}, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                resp = client.get(url)
            else:
                resp = client.open(url, method=method, data={"csrf_token": client.csrf_token("/")})
            assert resp.status_code == 404, f"{method} {url} answered {resp.status_code}"
            checked += 1
    assert checked >= 2


@pytest.mark.parametrize("path", ["/", "/invoices", "/services", "/my-details"])
def test_client_pages_render_for_the_owner(client, make, login_as, path):
    c = make.make_customer()
    s = make.make_service(c, domain="my-own-site.ro")
    make.make_proforma(c, service=s)
    login_as(client, c)
    resp = client.get(path)
    assert resp.status_code == 200


def test_owner_sees_own_invoice(client, make, login_as):
    c = make.make_customer()
    inv = make.make_proforma(c, description="Business hosting for ștefan.ro")
    login_as(client, c)
    body = client.get(f"/invoices/{inv.code}").get_data(as_text=True)
    assert inv.code in body and "Business hosting for ștefan.ro" in body
