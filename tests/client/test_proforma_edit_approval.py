"""HOSTICO_APPROVE_NEW_BILLING_PROFILES: a never-used profile waits for staff; staff approve or reject it."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing.errors import InvalidTransition, InvoiceNotEditable
from hostico.billing.payments import record_payment
from hostico.billing.proforma_edit import approve_pending_edit, edit_proforma_billing
from hostico.models import AuditLog, BillingProfile, Invoice, InvoiceEvent, PendingBillingEdit
from tests.conftest import reconfigure

HX = {"HX-Request": "true"}
DE_COMPANY = {"kind": "company", "company_name": "Berliner Hosting GmbH", "vat_number": "DE136695976",
              "address": "Unter den Linden 1", "city": "Berlin", "postal_code": "10117", "country": "DE"}


@pytest.fixture
def approval(app, settings):
    reconfigure(app, APPROVE_NEW_BILLING_PROFILES=True)
    return dataclasses.replace(settings, approve_new_billing_profiles=True)


@pytest.fixture
def customer(make, client, login_as):
    c = make.make_customer(name="Ion Popescu")
    login_as(client, c)
    return c


def post_edit(client, code, data, htmx=True):
    token = client.csrf_token("/invoices")
    return client.post(f"/invoices/{code}/edit", data={"csrf_token": token, **data}, headers=HX if htmx else {})


def test_new_billing_data_waits_for_approval_and_the_customer_sees_it_pending(client, session, make, customer,
                                                                            approval):
    inv = make.make_proforma(customer, amount="100.00")
    body = post_edit(client, inv.code, DE_COMPANY).get_data(as_text=True)
    assert "waiting for approval" in body and "Berliner Hosting GmbH" in body
    session.expire_all()
    unchanged = session.get(Invoice, inv.id)
    assert unchanged.buyer["name"] == "Ion Popescu" and unchanged.total == Decimal("121.00")
    pending = session.scalars(select(PendingBillingEdit)).one()
    assert pending.status == "pending" and pending.invoice_id == inv.id
    profile = session.get(BillingProfile, pending.billing_profile_id)
    assert profile.company_name == "Berliner Hosting GmbH" and profile.approval == "pending"
    assert "waiting for approval" in client.get("/invoices").get_data(as_text=True)
    assert "waiting for approval by our staff" in client.get(f"/invoices/{inv.code}").get_data(as_text=True)


def test_staff_approve_applies_the_edit_and_later_edits_apply_at_once(client, session, make, customer, approval,
                                                                     login_staff):
    inv = make.make_proforma(customer, amount="100.00")
    post_edit(client, inv.code, DE_COMPANY)
    pending = session.scalars(select(PendingBillingEdit)).one()
    staff = make.make_staff(role="billing")
    login_staff(client, staff)
    page = client.get("/staff/approvals").get_data(as_text=True)
    assert "Berliner Hosting GmbH" in page and inv.code in page and "DE136695976" in page
    resp = client.post_form(f"/staff/approvals/{pending.id}/approve", token_from="/staff/approvals")
    assert resp.status_code == 303
    session.expire_all()
    inv = session.get(Invoice, inv.id)
    assert inv.buyer["company_name"] == "Berliner Hosting GmbH" and inv.reverse_charge
    assert (inv.currency, inv.total) == ("EUR", Decimal("20.00"))  # abroad: EUR at the fake BNR rate 5.0000
    assert session.get(PendingBillingEdit, pending.id).status == "approved"
    profile = session.get(BillingProfile, pending.billing_profile_id)
    assert profile.approval == "approved" and profile.used_for_invoicing
    event = session.scalars(select(InvoiceEvent).where(InvoiceEvent.action == "billing_edited")).one()
    assert event.actor_kind == "staff" and event.actor_id == staff.id
    assert session.scalars(select(AuditLog).where(AuditLog.action == "billing_edit.approved")).one()
    # the approved profile now applies at once to another proforma
    second = make.make_proforma(session.get(type(customer), customer.id))
    assert edit_proforma_billing(session, second.id, customer_id=customer.id, buyer=None, profile=profile,
                                 settings=approval).applied


def test_staff_reject_keeps_the_proforma_data(client, session, make, customer, approval, login_staff):
    inv = make.make_proforma(customer)
    post_edit(client, inv.code, DE_COMPANY)
    pending = session.scalars(select(PendingBillingEdit)).one()
    login_staff(client, make.make_staff(role="admin"))
    resp = client.post_form(f"/staff/approvals/{pending.id}/reject", {"note": "CUI does not match"},
                            token_from="/staff/approvals")
    assert resp.status_code == 303
    session.expire_all()
    assert session.get(PendingBillingEdit, pending.id).status == "rejected"
    assert session.get(PendingBillingEdit, pending.id).note == "CUI does not match"
    assert session.get(Invoice, inv.id).buyer["name"] == "Ion Popescu"
    assert session.get(BillingProfile, pending.billing_profile_id).approval == "rejected"
    with pytest.raises(InvalidTransition):
        approve_pending_edit(session, pending.id, 1, approval)  # decided once, never twice


def test_support_staff_cannot_decide_and_customers_cannot_reach_approvals(client, session, make, customer, approval,
                                                                         login_staff):
    inv = make.make_proforma(customer)
    post_edit(client, inv.code, DE_COMPANY)
    pending = session.scalars(select(PendingBillingEdit)).one()
    assert client.get("/staff/approvals").status_code == 403  # a customer
    login_staff(client, make.make_staff(role="support"))
    page = client.get("/staff/approvals").get_data(as_text=True)
    assert "Berliner Hosting GmbH" in page and "/approve" not in page
    assert client.post_form(f"/staff/approvals/{pending.id}/approve", token_from="/staff/approvals").status_code == 403
    login_staff(client, make.make_staff(role="billing"))
    assert client.post(f"/staff/approvals/{pending.id}/approve").status_code == 400  # no CSRF token
    session.expire_all()
    assert session.get(PendingBillingEdit, pending.id).status == "pending"


def test_approval_of_a_proforma_paid_meanwhile_does_not_change_it(session, make, approval):
    customer = make.make_customer()
    inv = make.make_proforma(customer)
    profile = make.make_profile(customer, kind="company", approval="pending")
    outcome = edit_proforma_billing(session, inv.id, customer_id=customer.id, buyer=None, profile=profile,
                                    settings=approval)
    session.commit()
    assert not outcome.applied
    record_payment(session, inv.id, amount=inv.total, method="card", settings=approval, today=dt.date.today())
    session.commit()
    staff = make.make_staff()
    assert approve_pending_edit(session, outcome.pending.id, staff.id, approval) is False
    session.commit()
    session.expire_all()
    assert session.get(Invoice, inv.id).buyer["kind"] == "person"
    assert session.get(PendingBillingEdit, outcome.pending.id).note.startswith("approved, not applied")


def test_used_profile_applies_at_once_even_with_approval_on(session, make, approval):
    customer = make.make_customer()
    inv = make.make_proforma(customer)
    profile = make.make_profile(customer, kind="company", used_for_invoicing=True)
    outcome = edit_proforma_billing(session, inv.id, customer_id=customer.id, buyer=None, profile=profile,
                                    settings=approval)
    assert outcome.applied and outcome.invoice.buyer["company_name"] == "Exemplu SRL"
    assert session.scalars(select(PendingBillingEdit)).all() == []


def test_a_later_edit_supersedes_a_pending_one(session, make, approval):
    customer = make.make_customer()
    inv = make.make_proforma(customer)
    new = make.make_profile(customer, kind="company", approval="pending")
    used = make.make_profile(customer, kind="person", used_for_invoicing=True, name="Ion Vechi")
    first = edit_proforma_billing(session, inv.id, customer_id=customer.id, buyer=None, profile=new,
                                  settings=approval)
    edit_proforma_billing(session, inv.id, customer_id=customer.id, buyer=None, profile=used, settings=approval)
    session.commit()
    session.expire_all()
    assert session.get(PendingBillingEdit, first.pending.id).status == "rejected"
    assert session.get(Invoice, inv.id).buyer["name"] == "Ion Vechi"


def test_domain_refuses_tax_invoices_and_other_customers(session, make, settings):
    customer = make.make_customer()
    inv = make.make_proforma(customer)
    record_payment(session, inv.id, amount=inv.total, method="card", settings=settings, today=dt.date.today())
    session.commit()
    tax = session.scalars(select(Invoice).where(Invoice.kind == "tax")).one()
    buyer = dict(inv.buyer, name="Alt Nume")
    with pytest.raises(InvoiceNotEditable, match="tax invoice"):
        edit_proforma_billing(session, tax.id, customer_id=customer.id, buyer=buyer, profile=None, settings=settings)
    with pytest.raises(InvoiceNotEditable, match="has been paid"):
        edit_proforma_billing(session, inv.id, customer_id=customer.id, buyer=buyer, profile=None, settings=settings)
    other = make.make_proforma(make.make_customer())
    with pytest.raises(InvoiceNotEditable):
        edit_proforma_billing(session, other.id, customer_id=customer.id, buyer=buyer, profile=None,
                              settings=settings)


def test_changing_or_deleting_a_profile_drops_its_pending_edit(client, session, make, customer, approval):
    first = make.make_proforma(customer)
    second = make.make_proforma(customer)
    post_edit(client, first.code, DE_COMPANY)
    pending = session.scalars(select(PendingBillingEdit)).one()
    client.post_form(f"/my-details/profiles/{pending.billing_profile_id}/edit",
                     {**DE_COMPANY, "company_name": "Altă Firmă GmbH"}, token_from="/my-details")
    session.expire_all()
    assert session.get(PendingBillingEdit, pending.id).status == "rejected"  # staff never approve other data
    post_edit(client, second.code, {"profile_id": str(pending.billing_profile_id)})
    again = session.scalars(select(PendingBillingEdit).where(PendingBillingEdit.status == "pending")).one()
    client.post_form(f"/my-details/profiles/{again.billing_profile_id}/delete", {"confirm": "yes"},
                     token_from="/my-details")
    session.expire_all()
    assert session.get(PendingBillingEdit, again.id).status == "rejected"
    assert session.get(Invoice, second.id).buyer["name"] == "Ion Popescu"
