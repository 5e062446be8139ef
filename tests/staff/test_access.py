"""Every staff route refuses customers and anonymous users; every role gets only its permissions;
every state change is a POST that needs a CSRF token."""

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hostico.models import Invoice, Payment
from tests.factories import give_session
from tests.staff.conftest import fill_url, staff_rules

LOGIN_STEPS = {"staff.login", "staff.login_code", "staff.login_enrol"}
# Public like the login: a forgotten password is reset without logging in (tests/accounts/test_password_reset.py).
PASSWORD_RESET = {"staff.password_reset", "staff.password_reset_new"}


def _methods(rule):
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def test_every_staff_route_sends_anonymous_visitors_to_the_staff_login(app, client):
    checked = 0
    for rule in staff_rules(app):
        if rule.endpoint == "staff.login" or rule.endpoint in PASSWORD_RESET:
            continue
        url = fill_url(rule)
        for method in _methods(rule):
            if method == "GET":
                resp = client.get(url)
                assert resp.status_code == 302, f"GET {url}: {resp.status_code}"
                assert resp.headers["Location"].startswith("/staff/login"), url
            else:
                resp = client.open(url, method=method, data={"csrf_token": client.csrf_token("/staff/login")})
                # A POST cannot be redirected into a login form: refused, or sent to the staff login.
                assert resp.status_code in (401, 302), f"{method} {url}: {resp.status_code}"
                if resp.status_code == 302:
                    assert resp.headers["Location"].startswith("/staff/login"), url
            checked += 1
    assert checked >= 15


def test_every_staff_route_refuses_customers(app, client, make, login_as):
    customer = make.make_customer()
    login_as(client, customer)
    token = client.csrf_token("/")
    checked = 0
    for rule in staff_rules(app):
        if rule.endpoint == "staff.login" or rule.endpoint in PASSWORD_RESET:
            continue
        url = fill_url(rule)
        for method in _methods(rule):
            resp = client.get(url) if method == "GET" else client.open(url, method=method,
                                                                         data={"csrf_token": token})
            assert resp.status_code == 403, f"{method} {url}: {resp.status_code}"
            checked += 1
    assert checked >= 15


def test_htmx_request_without_session_gets_hx_redirect_to_staff_login(client):
    resp = client.get("/staff/customers", headers={"HX-Request": "true"})
    assert resp.status_code == 401 and resp.headers["HX-Redirect"].startswith("/staff/login")


def test_staff_without_the_second_factor_are_sent_to_the_staff_login(client, make_staff, session):
    staff = make_staff()
    give_session(client, session, staff)  # a live session, but without STAFF_MFA_KEY
    resp = client.get("/staff/")
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/staff/login")


def test_every_staff_view_declares_its_permission(app):
    for rule in staff_rules(app):
        if rule.endpoint in LOGIN_STEPS | PASSWORD_RESET:
            continue
        view = app.view_functions[rule.endpoint]
        assert getattr(view, "staff_permission", None), f"{rule.endpoint} has no @requires(...)"


def test_every_state_changing_staff_route_is_post_and_needs_csrf(app, client, make_staff, login_staff):
    login_staff(client, make_staff())
    posts = 0
    for rule in staff_rules(app):
        url = fill_url(rule)
        for method in _methods(rule):
            if method == "GET":
                continue
            assert method == "POST", f"{rule.rule} accepts {method}"
            resp = client.post(url, data={})
            assert resp.status_code == 400, f"POST {url} without a token answered {resp.status_code}"
            resp = client.post(url, data={}, headers={"HX-Request": "true"})
            assert resp.status_code == 400, f"htmx POST {url} without a token answered {resp.status_code}"
            posts += 1
    assert posts >= 10


def test_get_requests_change_nothing_on_action_urls(app, client, make_staff, login_staff):
    login_staff(client, make_staff())
    for rule in staff_rules(app):
        if "POST" in rule.methods and "GET" not in rule.methods:
            assert client.get(fill_url(rule)).status_code == 405, rule.rule


@pytest.fixture
def paid_setup(make, session, settings):
    from hostico.billing.payments import record_payment

    customer = make.make_customer()
    service = make.make_service(customer)
    unpaid = make.make_proforma(customer, service=service, amount="50.00")
    other = make.make_proforma(customer, amount="20.00")
    record_payment(session, other.id, amount=other.total, method="card", settings=settings,
                   today=other.issue_date)
    session.commit()
    tax = session.scalar(select(Invoice).where(Invoice.kind == "tax"))
    return customer, unpaid, tax


def test_support_cannot_record_payments_or_issue_credit_notes(client, make_staff, login_staff, paid_setup,
                                                              session):
    customer, unpaid, tax = paid_setup
    login_staff(client, make_staff("support"))
    token = client.csrf_token("/staff/")
    resp = client.post(f"/staff/invoices/{unpaid.code}/payment",
                       data={"csrf_token": token, "amount": str(unpaid.total), "reference": "OP 1", "key": "k1"})
    assert resp.status_code == 403
    resp = client.post(f"/staff/invoices/{tax.code}/credit-note", data={"csrf_token": token, "credit-reason": "x"})
    assert resp.status_code == 403
    session.expire_all()
    assert session.get(Invoice, unpaid.id).status == "unpaid"
    assert session.scalar(select(func.count()).select_from(Payment)) == 1
    assert session.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "credit_note")) == 0
    # Nor are they offered the forms.
    assert "Record a bank transfer" not in client.get(f"/staff/invoices/{unpaid.code}").get_data(as_text=True)
    assert "Issue a credit note" not in client.get(f"/staff/invoices/{tax.code}").get_data(as_text=True)


def test_support_cannot_issue_or_cancel_proformas_or_run_billing(client, make_staff, login_staff, paid_setup,
                                                                  session):
    customer, unpaid, _ = paid_setup
    login_staff(client, make_staff("support"))
    token = client.csrf_token("/staff/")
    assert client.post(f"/staff/customers/{customer.id}/proformas",
                       data={"csrf_token": token, "description": "x", "amount": "5"}).status_code == 403
    assert client.post(f"/staff/invoices/{unpaid.code}/cancel",
                       data={"csrf_token": token, "cancel-reason": "x", "confirm": "yes"}).status_code == 403
    assert client.get("/staff/billing-run").status_code == 403
    session.expire_all()
    assert session.get(Invoice, unpaid.id).status == "unpaid"
    assert session.scalar(select(func.count()).select_from(Invoice)) == 3


def test_support_can_suspend_and_resend(client, make_staff, login_staff, paid_setup, make):
    customer, unpaid, _ = paid_setup
    service = make.make_service(customer)
    login_staff(client, make_staff("support"))
    token = client.csrf_token("/staff/")
    assert client.post(f"/staff/services/{service.id}/suspend",
                       data={"csrf_token": token, "reason": "abuse", "confirm": "yes"}).status_code == 303
    assert client.post(f"/staff/invoices/{unpaid.code}/resend",
                       data={"csrf_token": token, "nonce": "n1"}).status_code == 303


@pytest.mark.parametrize("role", ["admin", "billing"])
def test_admin_and_billing_may_record_payments(client, make_staff, login_staff, paid_setup, session, role):
    _, unpaid, _ = paid_setup
    login_staff(client, make_staff(role))
    resp = client.post_form(f"/staff/invoices/{unpaid.code}/payment",
                            {"amount": str(unpaid.total), "reference": "OP 7", "key": "k-" + role},
                            token_from="/staff/")
    assert resp.status_code == 303
    session.expire_all()
    assert session.get(Invoice, unpaid.id).status == "paid"
    assert session.scalar(select(Payment.amount).where(Payment.invoice_id == unpaid.id)) == Decimal("60.50")


def test_nav_shows_only_existing_and_permitted_areas(app, client, make_staff, login_staff):
    login_staff(client, make_staff("support"))
    page = client.get("/staff/").get_data(as_text=True)
    assert 'href="/staff/customers"' in page and 'href="/staff/audit"' in page
    assert 'href="/staff/billing-run"' not in page  # support may not run billing
    for endpoint in ("staff.outbox", "staff.approvals"):
        if endpoint in app.view_functions:
            with app.test_request_context():
                from flask import url_for
                url = url_for(endpoint)
            assert (f'href="{url}"' in page) == (endpoint == "staff.outbox")
