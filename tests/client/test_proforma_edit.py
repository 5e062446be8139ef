"""Editing a proforma's billing data from My Invoices (docs/proforma-edit.md): inline with htmx and without JS."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing.credit_notes import issue_credit_note
from hostico.billing.payments import record_payment
from hostico.models import AuditLog, BillingProfile, Invoice, InvoiceEvent
from tests.factories import vies_answer

HX = {"HX-Request": "true"}
ADDRESS = {"address": "Str. Lungă nr. 5", "city": "Brașov", "county": "Brașov", "postal_code": "500001",
           "country": "RO"}
RO_COMPANY = {"kind": "company", "company_name": "Ștefănescu Web SRL", "cui": "RO34567892", "reg_com": "J08/1/2010",
              "vat_number": "RO34567892", **ADDRESS}
DE_COMPANY = {"kind": "company", "company_name": "Berliner Hosting GmbH", "cui": "", "vat_number": "DE136695976",
              "address": "Unter den Linden 1", "city": "Berlin", "county": "", "postal_code": "10117", "country": "DE"}
PERSON = {"kind": "person", "name": "Maria Țurcanu", "cnp": "2850315123457", **ADDRESS}


@pytest.fixture
def customer(make, client, login_as):
    c = make.make_customer(name="Ion Popescu")
    login_as(client, c)
    return c


@pytest.fixture
def proforma(make, customer):
    return make.make_proforma(customer, amount="100.00")


def post_edit(client, code, data, htmx=True):
    token = client.csrf_token("/invoices")
    return client.post(f"/invoices/{code}/edit", data={"csrf_token": token, **data}, headers=HX if htmx else {})


def reload(session, inv):
    session.expire_all()
    return session.get(Invoice, inv.id)


def events(session, inv, action="billing_edited"):
    return session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == inv.id,
                                                      InvoiceEvent.action == action)).all()


def test_edit_action_swaps_the_row_for_a_form_with_a_real_action(client, proforma):
    resp = client.get(f"/invoices/{proforma.code}/edit", headers=HX)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert body.lstrip().startswith(f'<tr id="invoice-{proforma.code}"')
    assert 'hx-target="this"' in body and 'hx-swap="outerHTML"' in body
    assert f'action="/invoices/{proforma.code}/edit"' in body and 'method="post"' in body
    assert f'hx-post="/invoices/{proforma.code}/edit"' in body
    assert 'name="csrf_token"' in body
    assert 'value="Ion Popescu"' in body  # the current billing data, ready to change
    assert "<html" not in body


def test_edit_without_javascript_is_a_full_page(client, proforma):
    body = client.get(f"/invoices/{proforma.code}/edit").get_data(as_text=True)
    assert "<html" in body and f'action="/invoices/{proforma.code}/edit"' in body
    assert "hx-post" not in body


def test_person_to_romanian_company_keeps_21_percent_vat(client, session, proforma, customer):
    resp = post_edit(client, proforma.code, RO_COMPANY)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 200
    assert body.lstrip().startswith(f'<tr id="invoice-{proforma.code}"') and "<form" not in body
    assert "Ștefănescu Web SRL" in body and "121.00" in body and "updated" in body
    inv = reload(session, proforma)
    assert inv.buyer["kind"] == "company" and inv.buyer["cui"] == "34567892"
    assert inv.buyer["vat_number"] == "RO34567892"
    assert not inv.reverse_charge and inv.total == Decimal("121.00")
    [event] = events(session, inv)
    assert event.actor_kind == "customer" and event.actor_id == customer.id
    assert event.before["buyer"]["name"] == "Ion Popescu"
    assert event.after["buyer"]["company_name"] == "Ștefănescu Web SRL"
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "invoice.billing_edited")).one()
    assert audit.customer_id == customer.id and audit.data["code"] == proforma.code


def test_person_to_eu_vat_registered_company_gets_reverse_charge(client, session, proforma):
    body = post_edit(client, proforma.code, DE_COMPANY).get_data(as_text=True)
    assert "Berliner Hosting GmbH" in body and "20.00" in body and "reverse charge" in body
    inv = reload(session, proforma)
    assert inv.reverse_charge
    # A buyer abroad is invoiced in EUR (docs/fiscal.md): 100.00 lei at the (fake) BNR rate 5.0000.
    assert inv.vat_total == Decimal("0.00") and (inv.currency, inv.total) == ("EUR", Decimal("20.00"))
    assert [line.vat_rate for line in inv.lines] == [Decimal("0.00")]
    [event] = events(session, inv)
    assert event.before["total"] == "121.00" and event.after["total"] == "20.00"


def test_company_to_person_restores_standard_vat(client, session, make, customer):
    profile = make.make_profile(customer, kind="company", company_name="Berlin GmbH", cui="DE136695976",
                                vat_number="DE136695976", country="DE", county=None, city="Berlin",
                                vies=vies_answer("DE136695976"))
    inv = make.make_proforma(customer, profile=profile, amount="100.00")
    assert (inv.currency, inv.total) == ("EUR", Decimal("20.00"))
    body = post_edit(client, inv.code, PERSON).get_data(as_text=True)
    assert "Maria Țurcanu" in body and "121.00" in body
    inv = reload(session, inv)
    assert inv.buyer == {**inv.buyer, "kind": "person", "name": "Maria Țurcanu", "company_name": None, "cui": None}
    assert not inv.reverse_charge and inv.total == Decimal("121.00")


def test_company_to_person_without_javascript_redirects_with_a_message(client, session, make, customer):
    profile = make.make_profile(customer, kind="company")
    inv = make.make_proforma(customer, profile=profile)
    resp = post_edit(client, inv.code, PERSON, htmx=False)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/invoices")
    page = client.get("/invoices").get_data(as_text=True)
    assert f"Billing data of {inv.code} updated." in page and "Maria Țurcanu" in page
    assert reload(session, inv).buyer["kind"] == "person"


def test_picking_a_saved_profile_uses_its_data(client, session, make, customer, proforma):
    profile = make.make_profile(customer, kind="company", company_name="Profil SRL")
    body = post_edit(client, proforma.code, {"profile_id": str(profile.id), **PERSON}).get_data(as_text=True)
    assert "Profil SRL" in body
    inv = reload(session, proforma)
    assert inv.buyer["company_name"] == "Profil SRL" and inv.billing_profile_id == profile.id
    assert session.get(BillingProfile, profile.id).used_for_invoicing


def test_typed_data_can_be_saved_as_a_profile(client, session, customer, proforma):
    post_edit(client, proforma.code, {**RO_COMPANY, "save_profile": "1", "profile_label": "Firma"})
    saved = session.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer.id,
                                                         BillingProfile.is_default.is_(False))).one()
    assert saved.label == "Firma" and saved.company_name == "Ștefănescu Web SRL" and saved.used_for_invoicing
    assert reload(session, proforma).billing_profile_id == saved.id


@pytest.mark.parametrize("data,field,message", [
    ({**PERSON, "cnp": "2850315123458"}, "cnp", "This CNP is not valid"),
    ({**RO_COMPANY, "cui": "34567893", "vat_number": ""}, "cui", "This CUI/CIF is not valid"),
    ({**DE_COMPANY, "vat_number": "DE136695977"}, "vat_number", "not a valid EU VAT number"),
    ({**PERSON, "address": ""}, "address", "Enter the street address."),
    ({**PERSON, "city": ""}, "city", "Enter the city."),
    ({**PERSON, "county": ""}, "county", "Enter the county"),
    ({**RO_COMPANY, "company_name": ""}, "company_name", "Enter the company name."),
])
def test_each_validation_error_is_shown_at_its_field_and_nothing_is_saved(client, session, customer, proforma,
                                                                          data, field, message):
    resp = post_edit(client, proforma.code, {**data, "save_profile": "1"})
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert f'id="edit-{proforma.code}-{field}" name="{field}"' in body
    assert f'aria-describedby="edit-{proforma.code}-{field}-error"' in body
    error_div = body.split(f'id="edit-{proforma.code}-{field}-error">')[1].split("</div>")[0]
    assert message in error_div
    inv = reload(session, proforma)
    assert inv.buyer["name"] == "Ion Popescu" and inv.total == Decimal("121.00")
    assert not events(session, inv)
    assert session.scalars(select(BillingProfile).where(BillingProfile.is_default.is_(False))).all() == []


def test_validation_error_without_javascript_re_renders_the_page(client, proforma):
    resp = post_edit(client, proforma.code, {**PERSON, "cnp": "123"}, htmx=False)
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "<html" in body and "This CNP is not valid" in body and 'value="Maria Țurcanu"' in body


def _tax_invoice(session, settings, proforma):
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                   today=dt.date.today())
    session.commit()
    return session.scalars(select(Invoice).where(Invoice.proforma_id == proforma.id)).one()


def test_tax_invoice_cannot_be_edited_by_a_crafted_request(client, session, settings, proforma):
    tax = _tax_invoice(session, settings, proforma)
    for resp in (client.get(f"/invoices/{tax.code}/edit", headers=HX), post_edit(client, tax.code, PERSON)):
        body = resp.get_data(as_text=True)
        assert resp.status_code == 409
        assert "is a tax invoice; its billing data never changes" in body
        assert body.lstrip().startswith(f'<tr id="invoice-{tax.code}"') and "<form" not in body
    assert reload(session, tax).buyer["name"] == "Ion Popescu"
    assert not events(session, tax)


def test_tax_invoice_edit_without_javascript_flashes_and_redirects(client, session, settings, proforma):
    tax = _tax_invoice(session, settings, proforma)
    for resp in (client.get(f"/invoices/{tax.code}/edit"), post_edit(client, tax.code, PERSON, htmx=False)):
        assert resp.status_code in (302, 303)
        assert resp.headers["Location"].endswith(f"/invoices/{tax.code}")
    page = client.get(f"/invoices/{tax.code}").get_data(as_text=True)
    assert "is a tax invoice; its billing data never changes" in page
    assert reload(session, tax).buyer["name"] == "Ion Popescu"


def test_credit_note_and_cancelled_proforma_are_refused(client, session, settings, make, customer, proforma):
    tax = _tax_invoice(session, settings, proforma)
    note = issue_credit_note(session, tax, settings=settings, today=dt.date.today(), reason="test")
    cancelled = make.make_proforma(customer)
    session.get(Invoice, cancelled.id).status = "cancelled"
    session.commit()
    resp = post_edit(client, note.code, PERSON)
    assert resp.status_code == 409 and "is a credit note" in resp.get_data(as_text=True)
    resp = post_edit(client, cancelled.code, PERSON)
    assert resp.status_code == 409 and "is cancelled" in resp.get_data(as_text=True)
    assert reload(session, cancelled).buyer["name"] == "Ion Popescu"


def test_proforma_paid_while_its_form_was_open_is_refused(client, session, settings, proforma):
    form = client.get(f"/invoices/{proforma.code}/edit", headers=HX)
    assert form.status_code == 200
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                   today=dt.date.today())
    session.commit()
    resp = post_edit(client, proforma.code, RO_COMPANY)
    body = resp.get_data(as_text=True)
    assert resp.status_code == 409
    assert f"Proforma {proforma.code} has been paid" in body
    assert "paid" in body and "/edit" not in body  # the refreshed row: paid, no Edit action
    inv = reload(session, proforma)
    assert inv.buyer["name"] == "Ion Popescu" and not events(session, inv)
    tax = session.scalars(select(Invoice).where(Invoice.proforma_id == proforma.id)).one()
    assert tax.buyer["name"] == "Ion Popescu"


def test_proforma_paid_while_open_without_javascript_flashes_the_reason(client, session, settings, proforma):
    client.get(f"/invoices/{proforma.code}/edit")
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                   today=dt.date.today())
    session.commit()
    resp = post_edit(client, proforma.code, RO_COMPANY, htmx=False)
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"Proforma {proforma.code} has been paid" in page
    assert reload(session, proforma).buyer["name"] == "Ion Popescu"


def test_another_customers_proforma_and_profile_answer_404(client, session, make, proforma):
    other = make.make_customer()
    theirs = make.make_proforma(other)
    their_profile = make.make_profile(other, kind="company", company_name="Alt SRL")
    assert client.get(f"/invoices/{theirs.code}/edit", headers=HX).status_code == 404
    assert post_edit(client, theirs.code, PERSON).status_code == 404
    assert client.get(f"/invoices/{theirs.code}/row", headers=HX).status_code == 404
    assert post_edit(client, proforma.code, {"profile_id": str(their_profile.id)}).status_code == 404
    assert reload(session, proforma).buyer["name"] == "Ion Popescu"
    assert reload(session, theirs).buyer["name"] == other.name


def test_edit_without_csrf_token_is_refused(client, session, proforma):
    resp = client.post(f"/invoices/{proforma.code}/edit", data=PERSON, headers=HX)
    assert resp.status_code == 400
    assert reload(session, proforma).buyer["name"] == "Ion Popescu"


def test_cancel_returns_the_read_only_row(client, proforma):
    resp = client.get(f"/invoices/{proforma.code}/row", headers=HX)
    assert resp.status_code == 200
    assert resp.get_data(as_text=True).lstrip().startswith(f'<tr id="invoice-{proforma.code}"')
    assert client.get(f"/invoices/{proforma.code}/row").status_code == 302


def test_the_edit_form_opens_on_the_proformas_current_profile(client, session, make, login_as):
    customer = make.make_customer()
    company = make.make_profile(customer, kind="company", company_name="Firma Mea SRL")
    proforma = make.make_proforma(customer, profile=company)
    session.commit()
    login_as(client, customer)
    html = client.get(f"/invoices/{proforma.code}/edit").get_data(as_text=True)
    choice = re.search(r'<select id="[^"]*-profile_id".*?</select>', html, re.S).group(0)
    assert re.search(rf'<option value="{company.id}"\s+selected>', choice)
    assert not re.search(r'<option value=""\s+selected>', choice)  # not "new billing data"
