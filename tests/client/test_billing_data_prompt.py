"""Customers without complete billing data are asked for it when they log in (docs/fiscal.md: no invoice without
the buyer's name and full address); saving it leads back and completes the proformas that lacked it."""

from __future__ import annotations

from sqlalchemy import select

from hostico.models import BillingProfile, Invoice, InvoiceEvent, utcnow
from tests.conftest import reconfigure

ADDRESS = {"kind": "person", "name": "Ana Popescu", "address": "Str. Memorandumului nr. 28", "city": "Cluj-Napoca",
           "county": "RO-CJ", "postal_code": "400114", "country": "RO"}


def _legacy_proforma(session, make, customer):
    """An unpaid proforma issued before addresses were required: the customer's bare name."""
    profile = make.make_profile(customer, is_default=True)
    proforma = make.make_proforma(customer, profile=profile)
    proforma.buyer = {**proforma.buyer, "address": "", "city": "", "county": None}
    proforma.billing_profile_id = None
    profile.deleted_at = utcnow()  # gone: the customer has no billing data
    session.commit()
    return proforma


def test_the_first_page_after_login_asks_for_billing_data_once_and_leads_back(client, session, make, login_as):
    c = make.make_customer(billing=False)
    login_as(client, c)
    resp = client.get("/invoices")
    assert resp.status_code == 303
    assert resp.headers["Location"] == "/my-details/billing-data?next=/invoices"
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Romanian law requires every invoice to show the buyer's name and full address" in page
    assert 'action="/my-details/profiles"' in page and 'name="next" value="/invoices"' in page
    # Asked once per login: the next pages open, with a banner leading to the form.
    later = client.get("/services")
    assert later.status_code == 200
    assert 'href="/my-details/billing-data?next=/services"' in later.get_data(as_text=True)

    saved = client.post_form("/my-details/profiles", {**ADDRESS, "next": "/invoices"},
                             token_from="/my-details/billing-data")
    assert saved.status_code == 303 and saved.headers["Location"] == "/invoices"
    profile = session.scalars(select(BillingProfile).where(BillingProfile.customer_id == c.id)).one()
    assert profile.is_default and profile.address == "Str. Memorandumului nr. 28"
    assert "billing-data" not in client.get("/services").get_data(as_text=True)  # no banner any more


def test_the_question_is_in_romanian_for_a_romanian_customer(client, make, login_as):
    c = make.make_customer(billing=False, language="ro")
    login_as(client, c)
    page = client.get("/my-details/billing-data?next=/").get_data(as_text=True)
    assert "Legea română cere ca fiecare factură să conțină numele și adresa completă" in page


def test_a_customer_with_billing_data_is_not_asked(client, make, login_as):
    c = make.make_customer()
    login_as(client, c)
    resp = client.get("/invoices")
    assert resp.status_code == 200 and "billing-data" not in resp.get_data(as_text=True)


def test_a_bad_next_is_not_followed(client, make, login_as):
    c = make.make_customer(billing=False)
    login_as(client, c)
    client.get("/my-details/billing-data?next=//evil.example")
    resp = client.post_form("/my-details/profiles", {**ADDRESS, "next": "//evil.example"},
                            token_from="/my-details")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/my-details#profiles")


def test_invalid_billing_data_keeps_the_question_and_the_way_back(client, session, make, login_as):
    c = make.make_customer(billing=False)
    login_as(client, c)
    resp = client.post_form("/my-details/profiles", {**ADDRESS, "county": "", "next": "/invoices"},
                            token_from="/my-details")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422 and 'id="profile-county-error"' in body
    assert 'name="next" value="/invoices"' in body and "Romanian law requires" in body
    assert session.scalars(select(BillingProfile).where(BillingProfile.deleted_at.is_(None))).all() == []


def test_saving_billing_data_completes_the_unpaid_proformas_that_lacked_it(client, session, make, login_as):
    c = make.make_customer(billing=False)
    proforma = _legacy_proforma(session, make, c)
    login_as(client, c)
    client.post_form("/my-details/profiles", {**ADDRESS, "next": "/invoices"}, token_from="/my-details")
    session.expire_all()
    fixed = session.get(Invoice, proforma.id)
    assert (fixed.buyer["address"], fixed.buyer["county"]) == ("Str. Memorandumului nr. 28", "RO-CJ")
    event = session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == proforma.id,
                                                       InvoiceEvent.action == "billing_edited")).one()
    assert event.before["buyer"]["address"] == "" and event.actor_kind == "customer"


def test_a_proforma_without_an_address_cannot_be_paid_until_it_has_one(app, client, session, make, login_as):
    reconfigure(app, PAYMENT_GATEWAY="sandbox")
    c = make.make_customer(billing=False)
    proforma = _legacy_proforma(session, make, c)
    login_as(client, c)
    resp = client.post_form(f"/invoices/{proforma.code}/pay", token_from=f"/invoices/{proforma.code}")
    assert resp.status_code == 303 and "/sandbox-gateway/" not in resp.headers["Location"]
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"Proforma {proforma.code} has no billing address yet" in page


def test_the_form_starts_with_the_account_s_name_for_a_person(client, make, login_as):
    c = make.make_customer(billing=False, name="Radu Înscris")
    login_as(client, c)
    page = client.get("/my-details/billing-data?next=/").get_data(as_text=True)
    assert 'id="profile-name" name="name" value="Radu Înscris"' in page
