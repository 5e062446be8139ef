"""Billing profiles in My Details: add, change, delete, choose the default; a person or a legal entity."""

import pytest
from sqlalchemy import select

from hostico.models import AuditLog, BillingProfile
from tests.conftest import reconfigure

PERSON = {"kind": "person", "name": "Maria Țurcanu", "cnp": "2850315123457", "address": "Str. Lungă nr. 5",
          "city": "Brașov", "county": "Brașov", "postal_code": "500001", "country": "RO"}
COMPANY = {"kind": "company", "company_name": "Ștefănescu Web SRL", "cui": "34567892", "reg_com": "J12/3456/2015",
           "vat_number": "RO34567892", "address": "Bd. 21 Decembrie 1989 nr. 77", "city": "Cluj-Napoca",
           "county": "Cluj", "postal_code": "400604", "country": "RO"}


@pytest.fixture
def customer(make, client, login_as):
    c = make.make_customer(billing=False)  # profiles are added here
    login_as(client, c)
    return c


def profiles(session, customer):
    session.expire_all()
    return session.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer.id,
                                                        BillingProfile.deleted_at.is_(None))
                           .order_by(BillingProfile.id)).all()


def test_add_a_person_and_a_company(client, session, customer):
    form = client.get("/my-details/profiles/new?kind=company").get_data(as_text=True)
    assert 'action="/my-details/profiles"' in form and 'value="company" checked' in form
    resp = client.post_form("/my-details/profiles", {**PERSON, "label": "Personal"}, token_from="/my-details")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/my-details#profiles")
    client.post_form("/my-details/profiles", COMPANY, token_from="/my-details")
    person, company = profiles(session, customer)
    assert person.kind == "person" and person.name == "Maria Țurcanu" and person.label == "Personal"
    assert person.is_default and not company.is_default  # the first profile becomes the default
    assert company.kind == "company" and company.cui == "34567892" and company.vat_number == "RO34567892"
    page = client.get("/my-details").get_data(as_text=True)
    assert "Maria Țurcanu" in page and "Ștefănescu Web SRL" in page and "CUI 34567892" in page
    assert session.scalars(select(AuditLog).where(AuditLog.action == "billing_profile.created")).all()


@pytest.mark.parametrize("data,field", [({**PERSON, "cnp": "1111111111111"}, "cnp"),
                                        ({**COMPANY, "cui": "34567893"}, "cui"),
                                        ({**COMPANY, "vat_number": "RO1"}, "vat_number"),
                                        ({**PERSON, "city": ""}, "city")])
def test_invalid_profile_shows_the_error_at_the_field_and_saves_nothing(client, session, customer, data, field):
    resp = client.post_form("/my-details/profiles", data, token_from="/my-details")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert f'id="profile-{field}-error"' in body
    assert profiles(session, customer) == []


def test_change_a_profile_from_person_to_company(client, session, make, customer):
    profile = make.make_profile(customer)
    form = client.get(f"/my-details/profiles/{profile.id}/edit").get_data(as_text=True)
    assert f'value="{customer.name}"' in form
    resp = client.post_form(f"/my-details/profiles/{profile.id}/edit", COMPANY, token_from="/my-details")
    assert resp.status_code == 303
    [changed] = profiles(session, customer)
    assert changed.kind == "company" and changed.company_name == "Ștefănescu Web SRL"


def test_choose_the_default_and_delete(client, session, make, customer):
    first = make.make_profile(customer, is_default=True)
    second = make.make_profile(customer, kind="company")
    resp = client.post_form(f"/my-details/profiles/{second.id}/default", token_from="/my-details",
                            headers={"HX-Request": "true"})
    assert resp.status_code == 200 and 'id="profiles"' in resp.get_data(as_text=True)
    a, b = profiles(session, customer)
    assert not a.is_default and b.is_default
    resp = client.post_form(f"/my-details/profiles/{second.id}/delete", {"confirm": "yes"}, token_from="/my-details")
    assert resp.status_code == 303
    [left] = profiles(session, customer)
    assert left.id == first.id and left.is_default  # the default moves to the profile that is left
    assert session.get(BillingProfile, second.id).deleted_at is not None  # kept for invoices that name it
    assert client.get(f"/my-details/profiles/{second.id}/edit").status_code == 404


def test_another_customers_profile_answers_404_and_stays_unchanged(client, session, make, customer):
    other = make.make_customer()
    theirs = make.make_profile(other, is_default=True)
    assert client.get(f"/my-details/profiles/{theirs.id}/edit").status_code == 404
    for action in ("edit", "delete", "default"):
        resp = client.post_form(f"/my-details/profiles/{theirs.id}/{action}", PERSON, token_from="/my-details")
        assert resp.status_code == 404
    session.expire_all()
    kept = session.get(BillingProfile, theirs.id)
    assert kept.deleted_at is None and kept.name == other.name


def test_profile_changes_need_a_csrf_token(client, session, make, customer):
    profile = make.make_profile(customer)
    assert client.post(f"/my-details/profiles/{profile.id}/delete").status_code == 400
    assert client.post("/my-details/profiles", data=PERSON).status_code == 400
    assert len(profiles(session, customer)) == 1


def test_markup_in_a_profile_is_shown_as_text(client, make, customer):
    make.make_profile(customer, kind="company", company_name="<script>alert(1)</script> SRL")
    body = client.get("/my-details").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; SRL" in body and "<script>alert(1)" not in body


def test_changing_whom_an_approved_profile_bills_needs_approval_again(app, client, session, make, customer):
    reconfigure(app, APPROVE_NEW_BILLING_PROFILES=True)
    profile = make.make_profile(customer, used_for_invoicing=True)
    client.post_form(f"/my-details/profiles/{profile.id}/edit", {**PERSON, "name": "Alt Nume"},
                     token_from="/my-details")
    [changed] = profiles(session, customer)
    assert not changed.used_for_invoicing and changed.approval == "pending"
    assert "needs staff approval on first use" in client.get("/my-details").get_data(as_text=True)


@pytest.mark.parametrize("lang, cnp_error, county_error", [
    ("ro", "Acest CNP nu este valid (13 cifre, cu cifra de control corectă).", "Alegeți județul din listă."),
    ("en", "This CNP is not valid (13 digits with a correct check digit).",
     "Choose the county (județ) from the list.")])
def test_billing_data_errors_are_in_the_visitors_language(client, session, customer, lang, cnp_error, county_error):
    client.get(f"/my-details?lang={lang}")
    resp = client.post_form("/my-details/profiles", {**PERSON, "cnp": "1111111111111", "county": "Atlantida"},
                            token_from="/my-details")
    body = resp.get_data(as_text=True)
    assert resp.status_code == 422
    assert cnp_error in body and county_error in body
    assert profiles(session, customer) == []


def test_a_validator_message_is_english_text_until_the_web_layer_translates_it(app):
    from hostico.billing.buyers.validation import validate_buyer
    from hostico.web.i18n import translate_message

    errors = validate_buyer({**PERSON, "address": "x" * 151}).errors
    assert errors["address"] == "At most 150 characters."
    with app.test_request_context("/?lang=ro"):
        assert translate_message(errors["address"]) == "Cel mult 150 caractere."
        assert translate_message("deja tradus") == "deja tradus"


def test_deleting_a_profile_asks_first_without_javascript(client, session, make, customer):
    make.make_profile(customer, is_default=True)
    second = make.make_profile(customer, kind="company")
    step = client.post_form(f"/my-details/profiles/{second.id}/delete", token_from="/my-details")
    text = step.get_data(as_text=True)
    assert step.status_code == 200
    assert f"Delete billing profile {second.display_name}?" in text and 'name="confirm" value="yes"' in text
    assert 'href="/my-details#profiles"' in text
    assert len(profiles(session, customer)) == 2  # nothing deleted yet
    resp = client.post_form(f"/my-details/profiles/{second.id}/delete", {"confirm": "yes"}, token_from="/my-details")
    assert resp.status_code == 303
    assert f"Billing profile {second.display_name} deleted." in client.get(
        resp.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert len(profiles(session, customer)) == 1


def test_deleting_a_profile_with_htmx_asks_in_the_browser_and_says_what_happened(client, session, make, customer):
    make.make_profile(customer, is_default=True)
    second = make.make_profile(customer, kind="company")
    page = client.get("/my-details").get_data(as_text=True)
    assert f'hx-confirm="Delete billing profile {second.display_name}? Invoices already issued keep its data."' in page
    resp = client.post_form(f"/my-details/profiles/{second.id}/delete", {"confirm": "yes"}, token_from="/my-details",
                            headers={"HX-Request": "true"})
    text = resp.get_data(as_text=True)
    assert resp.status_code == 200 and 'id="profiles"' in text
    assert f"Billing profile {second.display_name} deleted." in text and 'role="status"' in text
    assert len(profiles(session, customer)) == 1


def test_a_bucharest_profile_reads_its_sector_in_words(client, make, customer):
    make.make_profile(customer, address="Bd. Unirii 1", city="SECTOR3", county="RO-B", postal_code="030167")
    page = client.get("/my-details").get_data(as_text=True)
    assert "Bd. Unirii 1, Sector 3, București, 030167" in page and "SECTOR3" not in page
