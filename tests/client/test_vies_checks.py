"""VIES when a customer saves billing data (docs/fiscal.md): reverse charge only on VIES's positive answer, kept with
the buyer data and shown to staff; a number VIES refuses is a field error; while VIES is unavailable the buyer
keeps Romanian VAT, is told so, and a later check applies reverse charge."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing.vat_checks import recheck_pending
from hostico.models import BillingProfile, Invoice

HX = {"HX-Request": "true"}
DE_COMPANY = {"kind": "company", "company_name": "Berliner Hosting GmbH", "cui": "", "vat_number": "DE136695976",
              "address": "Unter den Linden 1", "city": "Berlin", "county": "", "postal_code": "10117", "country": "DE"}


@pytest.fixture
def customer(make, client, login_as):
    c = make.make_customer(name="Ion Popescu")
    login_as(client, c)
    return c


@pytest.fixture
def proforma(make, customer):
    return make.make_proforma(customer, amount="100.00")


def post_edit(client, code, data):
    token = client.csrf_token("/invoices")
    return client.post(f"/invoices/{code}/edit", data={"csrf_token": token, **data}, headers=HX)


def reload(session, inv):
    session.expire_all()
    return session.get(Invoice, inv.id)


def test_edit_keeps_vies_answer_and_staff_see_it(client, session, proforma, fake_vies, make, login_staff):
    body = post_edit(client, proforma.code, DE_COMPANY).get_data(as_text=True)
    assert "reverse charge" in body
    inv = reload(session, proforma)
    answer = inv.buyer["vies"]
    assert inv.vat_category == "AE" and answer["valid"] is True and answer["name"] == "Berliner Hosting GmbH"
    assert answer["request_id"].startswith("WAPI") and answer["checked_at"]
    assert fake_vies.requests[-1]["requesterNumber"] == "18547290"  # the seller asks: a consultation number
    login_staff(client, make.make_staff())
    page = client.get(f"/staff/invoices/{inv.code}").get_data(as_text=True)
    assert answer["request_id"] in page and "Berliner Hosting GmbH" in page and "Taxare inversă" in page


def test_number_vies_refuses_is_a_field_error_and_nothing_changes(client, session, proforma, fake_vies):
    fake_vies.answers["DE136695976"] = "invalid"
    resp = post_edit(client, proforma.code, DE_COMPANY)
    assert resp.status_code == 422
    assert "is not a valid VAT number" in resp.get_data(as_text=True)
    inv = reload(session, proforma)
    assert inv.buyer["kind"] == "person" and inv.total == Decimal("121.00")


def test_vies_unavailable_keeps_romanian_vat_tells_the_customer_and_a_retry_applies_it(
        client, session, proforma, fake_vies, settings):
    fake_vies.default = "MS_UNAVAILABLE"
    body = post_edit(client, proforma.code, DE_COMPANY).get_data(as_text=True)
    assert "could not check DE136695976 right now" in body and "check it again automatically" in body
    inv = reload(session, proforma)
    assert inv.buyer["company_name"] == "Berliner Hosting GmbH" and inv.buyer["vies"]["status"] == "pending"
    assert (inv.vat_category, inv.currency, inv.total) == ("S", "EUR", Decimal("24.20"))

    fake_vies.default = "valid"
    recheck_pending(session, settings, today=inv.issue_date)
    session.commit()
    inv = reload(session, proforma)
    assert (inv.vat_category, inv.total) == ("AE", Decimal("20.00"))


@pytest.mark.slow
def test_vies_slower_than_the_timeout_counts_as_unavailable(client, session, proforma, fake_vies):
    fake_vies.default, fake_vies.delay = "slow", 3.0
    body = post_edit(client, proforma.code, DE_COMPANY).get_data(as_text=True)
    assert "could not check DE136695976 right now" in body
    assert reload(session, proforma).vat_category == "S"


def test_profile_saved_while_vies_is_unavailable_is_checked_again(client, session, customer, fake_vies, settings):
    fake_vies.default = "MS_UNAVAILABLE"
    resp = client.post_form("/my-details/profiles", DE_COMPANY, token_from="/my-details", follow_redirects=True)
    assert "could not check DE136695976 right now" in resp.get_data(as_text=True)
    profile = session.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer.id,
                                                           BillingProfile.kind == "company")).one()
    assert profile.vies["status"] == "pending"
    fake_vies.default = "valid"
    recheck_pending(session, settings, today=profile.created_at.date())
    session.commit()
    session.expire_all()
    assert session.get(BillingProfile, profile.id).vies["status"] == "valid"


def test_profile_with_a_number_vies_refuses_is_not_saved(client, session, customer, fake_vies):
    fake_vies.answers["DE136695976"] = "invalid"
    resp = client.post_form("/my-details/profiles", DE_COMPANY, token_from="/my-details")
    assert resp.status_code == 422 and "is not a valid VAT number" in resp.get_data(as_text=True)
    assert session.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer.id,
                                                        BillingProfile.kind == "company")).all() == []
