"""Destructive staff actions ask first (docs/staff-area.md#confirming-destructive-actions): without JavaScript
the first POST answers with a confirmation page and changes nothing; with htmx the form asks (hx-confirm)."""

import re

import pytest
from sqlalchemy import func, select

from hostico.models import AuditLog, Invoice, OutboxMessage, Service


def _count(session, model, *where):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def staffed(client, make, make_staff, login_staff):
    customer = make.make_customer(name="Maria Ionescu")
    service = make.make_service(customer, domain="magazin.ro")
    proforma = make.make_proforma(customer, amount="40.00")
    login_staff(client, make_staff("admin"))
    return customer, service, proforma


def test_the_suspend_form_has_no_default_reason_and_asks_with_htmx(client, staffed):
    customer, service, _ = staffed
    page = client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    form = re.search(rf'<form[^>]*/staff/services/{service.id}/suspend".*?</form>', page, re.S).group(0)
    assert 'hx-confirm="Suspend magazin.ro? The customer is notified."' in form
    assert '''hx-vals='{"confirm": "yes"}\'''' in form
    assert re.search(r'<option selected value="">— choose a reason —</option>', form)
    assert "required" in form
    terminate = re.search(rf'<form[^>]*/staff/services/{service.id}/terminate".*?</form>', page, re.S).group(0)
    assert "hx-confirm=" in terminate and 'type="checkbox"' not in terminate


def test_suspend_without_a_reason_is_refused_even_when_confirmed(client, session, staffed):
    customer, service, _ = staffed
    resp = client.post_form(f"/staff/services/{service.id}/suspend", {"reason": "", "confirm": "yes"},
                            token_from="/staff/")
    assert resp.status_code == 303
    assert "Choose why the service is suspended." in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert _count(session, Service, Service.status == "suspended") == 0
    assert _count(session, OutboxMessage) == 0


def test_suspend_without_javascript_confirms_on_a_page_then_suspends(client, session, staffed):
    customer, service, _ = staffed
    resp = client.post_form(f"/staff/services/{service.id}/suspend", {"reason": "abuse", "note": "phishing kit"},
                            token_from="/staff/")
    assert resp.status_code == 200
    step = resp.get_data(as_text=True)
    assert "Suspend magazin.ro?" in step and "Yes, suspend magazin.ro" in step
    assert "magazin.ro is suspended for abuse" in step
    assert 'name="reason" value="abuse"' in step and 'name="note" value="phishing kit"' in step
    assert 'name="confirm" value="yes"' in step
    assert f'href="/staff/customers/{customer.id}#service-{service.id}"' in step  # the way back changes nothing
    assert _count(session, Service, Service.status == "suspended") == 0
    assert _count(session, OutboxMessage) == 0
    assert _count(session, AuditLog, AuditLog.action == "service.suspended") == 0
    # The confirmation page's form sends the same fields with its own CSRF token and confirm=yes.
    token = re.search(r'name="csrf_token" value="([^"]+)"', step).group(1)
    resp = client.post(f"/staff/services/{service.id}/suspend",
                       data={"csrf_token": token, "reason": "abuse", "note": "phishing kit", "confirm": "yes"})
    assert resp.status_code == 303
    assert "magazin.ro is suspended (abuse); the customer is notified." in client.get(
        resp.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Service, service.id).status == "suspended"


def test_suspend_confirmation_in_romanian(client, session, staffed):
    _, service, _ = staffed
    step = client.post_form(f"/staff/services/{service.id}/suspend", {"reason": "nonpayment"},
                            token_from="/staff/", headers={"Accept-Language": "ro"}).get_data(as_text=True)
    assert "Suspendați magazin.ro?" in step and "Da, suspendați magazin.ro" in step
    assert "factură neplătită" in step
    resp = client.post_form(f"/staff/services/{service.id}/suspend", {"reason": "nonpayment", "confirm": "yes"},
                            token_from="/staff/", headers={"Accept-Language": "ro"})
    landing = client.get(resp.headers["Location"], headers={"Accept-Language": "ro"}).get_data(as_text=True)
    assert "magazin.ro este suspendat (factură neplătită); clientul a fost anunțat." in landing


def test_terminate_confirms_then_terminates(client, session, staffed):
    _, service, _ = staffed
    step = client.post_form(f"/staff/services/{service.id}/terminate", {}, token_from="/staff/")
    assert step.status_code == 200 and "Terminate magazin.ro?" in step.get_data(as_text=True)
    session.expire_all()
    assert session.get(Service, service.id).status == "active"
    resp = client.post_form(f"/staff/services/{service.id}/terminate", {"confirm": "yes"}, token_from="/staff/")
    assert "magazin.ro is terminated." in client.get(resp.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Service, service.id).status == "terminated"


def test_cancel_proforma_confirms_with_its_total_then_cancels(client, session, staffed):
    _, _, proforma = staffed
    page = client.get(f"/staff/invoices/{proforma.code}").get_data(as_text=True)
    assert f'hx-confirm="Cancel proforma {proforma.code}? This cannot be undone."' in page
    step = client.post_form(f"/staff/invoices/{proforma.code}/cancel", {"cancel-reason": "duplicate"},
                            token_from="/staff/")
    text = step.get_data(as_text=True)
    assert step.status_code == 200 and f"Cancel proforma {proforma.code}?" in text
    assert "Reason: duplicate" in text and 'name="cancel-reason" value="duplicate"' in text
    assert _count(session, Invoice, Invoice.status == "cancelled") == 0
    # No reason: refused before any confirmation.
    resp = client.post_form(f"/staff/invoices/{proforma.code}/cancel", {"cancel-reason": ""}, token_from="/staff/")
    assert resp.status_code == 303
    resp = client.post_form(f"/staff/invoices/{proforma.code}/cancel",
                            {"cancel-reason": "duplicate", "confirm": "yes"}, token_from="/staff/")
    assert f"Proforma {proforma.code} is cancelled." in client.get(resp.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Invoice, proforma.id).status == "cancelled"


def test_confirmation_needs_a_csrf_token_too(client, session, staffed):
    _, service, _ = staffed
    resp = client.post(f"/staff/services/{service.id}/suspend", data={"reason": "abuse", "confirm": "yes"})
    assert resp.status_code == 400
    session.expire_all()
    assert session.get(Service, service.id).status == "active"
