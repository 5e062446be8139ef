"""Accounts staff open with the customer's billing data (docs/accounts.md, "Invitations"): the same fields and rules
as the customer's own billing profile; valid data becomes the default, approved profile in the same transaction as
the account; any invalid field shows at the field and creates nothing (no account, no invitation, no audit)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hostico.models import AccountToken, AuditLog, BillingProfile, Customer, OutboxMessage
from hostico.models.billing_profile import Approval
from tests.efactura.conftest import anaf_registry  # noqa: F401 - the fake ANAF registry fixture

PERSON = {"kind": "person", "name": "Maria Popescu", "cnp": "", "address": "Str. Lungă 5", "county": "RO-CJ",
          "sector": "", "city": "Cluj-Napoca", "postal_code": "400114", "country": "RO"}
# EXEMPLU SRL as the fake ANAF registry answers for CUI 34567892 (tests/efactura/conftest.py).
COMPANY = {"kind": "company", "company_name": "EXEMPLU SRL", "cui": "RO34567892", "reg_com": "J08/123/2010",
           "vat_number": "", "address": "Str. Lungă nr. 5", "county": "RO-BV", "sector": "", "city": "Brașov",
           "postal_code": "500001", "country": "RO"}


def create(client, billing=None, *, name="Client Nou", email="nou@example.com", **kw):
    data = {"account-name": name, "account-email": email, "account-language": "ro", **(billing or {})}
    return client.post_form("/staff/customers/new", data, token_from="/staff/customers/new", **kw)


def nothing_created(session) -> bool:
    session.expire_all()
    return (session.scalars(select(Customer).where(Customer.email == "nou@example.com")).all() == []
            and session.scalars(select(BillingProfile)).all() == []
            and session.scalars(select(OutboxMessage)).all() == []
            and session.scalars(select(AccountToken)).all() == []
            and session.scalars(select(AuditLog).where(AuditLog.action.in_(
                ["customer.invited", "billing_profile.created"]))).all() == [])


def test_a_person_s_billing_data_becomes_the_default_approved_profile(desk, session, inbox):
    resp = create(desk, PERSON)
    session.expire_all()
    customer = session.scalar(select(Customer).where(Customer.email == "nou@example.com"))
    assert resp.status_code == 303 and resp.headers["Location"] == f"/staff/customers/{customer.id}"
    [profile] = session.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer.id)).all()
    assert (profile.kind, profile.name, profile.city, profile.county) == ("person", "Maria Popescu", "Cluj-Napoca",
                                                                          "RO-CJ")
    assert profile.is_default and profile.approval == Approval.APPROVED
    invited = session.scalar(select(AuditLog).where(AuditLog.action == "customer.invited"))
    assert invited.data["billing_profile"] == {"id": profile.id, "kind": "person", "name": "Maria Popescu"}
    created = session.scalar(select(AuditLog).where(AuditLog.action == "billing_profile.created"))
    assert (created.actor_kind, created.actor_id, created.data["via"]) == ("staff", desk.staff.id, "staff")
    assert inbox.link("nou@example.com")  # the invitation is sent as without billing data
    page = desk.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Maria Popescu" in page and "Invitation not accepted yet" in page


def test_the_invited_customer_is_not_asked_for_billing_data_again(app, desk, inbox):
    create(desk, PERSON)
    client = app.test_client()
    assert client.get(inbox.link("nou@example.com")).headers["Location"] == "/invitation"
    resp = client.post_form("/invitation", {"password": "my-own-passphrase", "confirm": "my-own-passphrase"},
                            token_from="/invitation")
    assert resp.status_code == 303
    page = client.get(resp.headers["Location"], follow_redirects=True)
    assert "/my-details/billing-data" not in page.request.path


def test_a_company_filled_in_from_anaf_is_created_with_its_cui(desk, session, anaf_registry):  # noqa: F811
    lookup = desk.get("/staff/customers/new/company-lookup?cui=RO34567892&prefix=billing").get_data(as_text=True)
    assert "EXEMPLU SRL" in lookup and 'id="billing-company_name"' in lookup and "J08/123/2010" in lookup
    assert len(anaf_registry.requests) == 1
    resp = create(desk, COMPANY)
    assert resp.status_code == 303
    session.expire_all()
    profile = session.scalar(select(BillingProfile))
    assert (profile.kind, profile.company_name, profile.cui, profile.reg_com) == ("company", "EXEMPLU SRL",
                                                                                  "34567892", "J08/123/2010")
    assert profile.is_default and profile.approval == Approval.APPROVED


def test_an_invalid_cui_shows_at_the_field_and_creates_nothing(desk, session, inbox):
    resp = create(desk, {**COMPANY, "cui": "RO34567893"}, headers={"Accept-Language": "en"})
    page = resp.get_data(as_text=True)
    assert resp.status_code == 422
    error = re.search(r'id="billing-cui-error">([^<]*)<', page)
    assert error and "This CUI/CIF is not valid" in error.group(1)
    assert 'class="other-payer new-customer-billing" open' in page  # the section stays open on its error
    assert 'value="Client Nou"' in page and 'value="EXEMPLU SRL"' in page  # nothing typed is lost
    assert nothing_created(session) and inbox.messages() == []


@pytest.mark.parametrize("change", [{"address": ""}, {"county": ""}, {"name": "x\x07y"}, {"cnp": "1234567890123"}])
def test_any_invalid_billing_field_creates_no_account(desk, session, change):
    resp = create(desk, {**PERSON, **change})
    assert resp.status_code == 422 and 'class="field-error" id="billing-' in resp.get_data(as_text=True)
    assert nothing_created(session)


def test_a_taken_address_with_valid_billing_data_creates_no_profile(desk, session, make):
    make.make_customer(email="nou@example.com")
    resp = create(desk, PERSON)
    assert resp.status_code == 422 and "exists already" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.scalars(select(BillingProfile).where(BillingProfile.name == "Maria Popescu")).all() == []
    assert session.scalars(select(OutboxMessage)).all() == []


def test_an_empty_billing_section_creates_the_account_alone(desk, session):
    resp = create(desk, {"kind": "person", "country": "RO", "county": "", "sector": ""})
    assert resp.status_code == 303
    session.expire_all()
    assert session.scalar(select(Customer).where(Customer.email == "nou@example.com")) is not None
    assert session.scalars(select(BillingProfile)).all() == []
    invited = session.scalar(select(AuditLog).where(AuditLog.action == "customer.invited"))
    assert "billing_profile" not in invited.data


@pytest.mark.parametrize("role", ["billing"])
def test_other_staff_roles_are_refused(app, make, login_staff, session, role):
    client = app.test_client()
    login_staff(client, make.make_staff(role=role))
    assert client.post_form("/staff/customers/new", {"account-name": "Client Nou", "account-email": "nou@example.com",
                                                     "account-language": "ro", **PERSON},
                            token_from="/staff").status_code == 403
    assert client.get("/staff/customers/new/company-lookup?cui=RO34567892").status_code == 403
    assert nothing_created(session)


def test_customers_cannot_use_the_staff_lookup(client, make, login_as):
    login_as(client, make.make_customer())
    assert client.get("/staff/customers/new/company-lookup?cui=RO34567892").status_code == 403


def test_admin_creates_with_billing_data_too(app, make, login_staff, session):
    client = app.test_client()
    login_staff(client, make.make_staff(role="admin"))
    assert create(client, PERSON).status_code == 303
    session.expire_all()
    assert session.scalar(select(BillingProfile)).name == "Maria Popescu"


def test_a_post_without_csrf_token_creates_nothing(desk, session):
    desk.get("/staff/customers/new")
    resp = desk.post("/staff/customers/new", data={"account-name": "Client Nou", "account-email": "nou@example.com",
                                                   "account-language": "ro", **PERSON})
    assert resp.status_code == 400
    assert nothing_created(session)


@pytest.mark.parametrize("lang,texts", [
    ("en", ["Add billing data (optional)", "becomes the customer's default billing profile", "Street address",
            "nothing was created", "This CUI/CIF is not valid"]),
    ("ro", ["Adăugați datele de facturare (opțional)", "devin profilul de facturare implicit al clientului",
            "nu s-a creat nimic", "Acest CUI/CIF nu este valid"]),
])
def test_the_form_and_its_errors_speak_romanian_and_english(desk, lang, texts):
    desk.get(f"/staff/customers/new?lang={lang}")
    page = create(desk, {**COMPANY, "cui": "RO34567893"}).get_data(as_text=True)
    for text in texts:
        assert text in page
