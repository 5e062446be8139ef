"""No proforma or tax invoice without the buyer's name and full address (and a company's CUI): docs/fiscal.md,
art. 319 alin. (20) Cod fiscal. The domain refuses with a typed error; the billing run waits for the data
and asks the customer once by email; the renewal is issued as soon as the data exists."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hostico.billing.buyers.completeness import missing_buyer_fields
from hostico.billing.errors import IncompleteBuyer
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.orders import place_order
from hostico.billing.payments import record_payment
from hostico.billing.run import run_billing
from hostico.models import Invoice, OutboxMessage, Service
from tests.conftest import reconfigure

TODAY = dt.date(2026, 5, 4)
HOSTING = [LineSpec("Hosting", Decimal("10.00"))]


def _count(session, model, *where) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize(("buyer", "missing"), [
    ({"kind": "person", "name": "Ana", "address": "Str. A 1", "city": "Cluj-Napoca", "county": "RO-CJ",
      "country": "RO"}, ()),
    ({"kind": "person", "name": "Ana", "address": "", "city": "", "county": None, "country": "RO"},
     ("address", "city", "county")),
    ({"kind": "person", "name": " ", "address": "Str. A 1", "city": "Cluj", "county": "RO-CJ", "country": "RO"},
     ("name",)),
    ({"kind": "company", "company_name": "Firma SRL", "cui": "", "address": "Str. A 1", "city": "Cluj",
      "county": "RO-CJ", "country": "RO"}, ("cui",)),
    ({"kind": "person", "name": "Hans", "address": "Hauptstr. 1", "city": "Berlin", "county": None,
      "country": "DE"}, ()),  # a county only in Romania
    ({"kind": "person", "name": "Hans", "address": "Hauptstr. 1", "city": "Berlin", "country": ""}, ("country",)),
])
def test_what_makes_buyer_data_complete(buyer, missing):
    assert missing_buyer_fields(buyer) == missing


def test_no_proforma_for_a_customer_without_billing_data_and_no_number_spent(session, make, settings):
    c = make.make_customer(billing=False)
    with pytest.raises(IncompleteBuyer) as err:
        create_proforma(session, c, HOSTING, origin="manual", settings=settings, today=TODAY)
    assert err.value.code == "incomplete_buyer" and "address" in err.value.missing
    session.rollback()
    assert _count(session, Invoice) == 0
    profile = make.make_profile(c, is_default=True)
    proforma = create_proforma(session, c, HOSTING, origin="manual", settings=settings, today=TODAY)
    assert proforma.code == "HPF-000001"  # the refusal took no number
    assert (proforma.buyer["address"], proforma.billing_profile_id) == ("Str. Lungă nr. 5", profile.id)


def test_a_chosen_profile_without_a_county_in_romania_is_refused(session, make, settings):
    c = make.make_customer(billing=False)
    profile = make.make_profile(c, county=None)
    with pytest.raises(IncompleteBuyer) as err:
        create_proforma(session, c, HOSTING, origin="order", settings=settings, today=TODAY, profile=profile)
    assert err.value.missing == ("county",)


def test_an_order_for_a_customer_without_billing_data_creates_nothing(session, make, settings):
    c = make.make_customer(billing=False)
    with pytest.raises(IncompleteBuyer):
        place_order(session, c, make.make_product(), "monthly", "fara-adresa.ro", settings, TODAY)
    session.rollback()
    assert _count(session, Invoice) == 0 and _count(session, Service) == 0


def test_an_order_bills_the_customers_billing_profile_not_a_bare_name(session, make, settings):
    c = make.make_customer(billing=False)
    make.make_profile(c, is_default=True, address="Bd. Eroilor 3", city="Cluj-Napoca", county="RO-CJ")
    _, proforma = place_order(session, c, make.make_product(), "monthly", "cu-adresa.ro", settings, TODAY)
    assert (proforma.buyer["name"], proforma.buyer["address"], proforma.buyer["county"]) == (
        c.name, "Bd. Eroilor 3", "RO-CJ")


def test_no_tax_invoice_for_a_proforma_issued_without_an_address(session, make, settings):
    c = make.make_customer()
    proforma = make.make_proforma(c, today=TODAY)
    proforma.buyer = {**proforma.buyer, "address": "", "city": ""}  # as issued before the rule
    session.commit()
    with pytest.raises(IncompleteBuyer):
        record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                       today=TODAY, received_on=TODAY)
    session.rollback()
    assert _count(session, Invoice, Invoice.kind == "tax") == 0
    assert session.get(Invoice, proforma.id).status == "unpaid"


def test_the_renewal_waits_for_billing_data_asks_once_and_is_issued_when_it_exists(session, make, settings):
    c = make.make_customer(billing=False, phone_e164="+40722123456", sms_opt_in=True)
    make.make_service(c, domain="fara-date.ro", next_due_date=TODAY + dt.timedelta(days=5))
    make.make_service(c, domain="alt-site.ro", next_due_date=TODAY + dt.timedelta(days=9))
    summary = run_billing(session, settings, TODAY)
    assert (summary["proformas_issued"], summary["waiting_for_billing_data"]) == (0, 2)
    assert _count(session, Invoice) == 0
    asked = session.scalars(select(OutboxMessage)).all()
    assert [(m.channel, m.event, m.recipient) for m in asked] == [("email", "billing_data_needed", c.email)]
    assert asked[0].context["domains"] == ["alt-site.ro", "fara-date.ro"]

    again = run_billing(session, settings, TODAY + dt.timedelta(days=1))
    assert again["waiting_for_billing_data"] == 2
    assert _count(session, OutboxMessage) == 1  # asked once, not every day

    make.make_profile(c, is_default=True)
    later = run_billing(session, settings, TODAY + dt.timedelta(days=2))
    assert (later["proformas_issued"], later["waiting_for_billing_data"]) == (2, 0)
    buyers = {i.buyer["address"] for i in session.scalars(select(Invoice))}
    assert buyers == {"Str. Lungă nr. 5"}


def test_a_profile_saved_in_my_details_bills_renewals_when_approvals_are_off(app, session, make, settings):
    c = make.make_customer(billing=False)
    # Profiles saved in My Details start as "pending": only the approval setting makes that matter.
    make.make_profile(c, is_default=True, approval="pending")
    make.make_service(c, next_due_date=TODAY)
    assert run_billing(session, settings, TODAY)["proformas_issued"] == 1
    assert session.scalars(select(Invoice)).one().buyer["address"] == "Str. Lungă nr. 5"


def test_a_profile_waiting_for_staff_approval_does_not_bill_a_renewal(app, session, make):
    from hostico.web.app_settings import settings as app_settings

    reconfigure(app, APPROVE_NEW_BILLING_PROFILES=True)
    settings = app_settings(app).billing
    c = make.make_customer(billing=False)
    make.make_profile(c, is_default=True, approval="pending")
    make.make_service(c, next_due_date=TODAY)
    summary = run_billing(session, settings, TODAY)
    assert (summary["proformas_issued"], summary["waiting_for_billing_data"]) == (0, 1)
