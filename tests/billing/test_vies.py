"""VIES (docs/fiscal.md): the adapter against a local fake of the REST API, and the re-check of the numbers VIES
could not answer for (the worker's job and the billing run), which turns unpaid proformas to reverse charge."""

import datetime as dt
import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing import vies
from hostico.billing.run import run_billing
from hostico.billing.settings import BillingSettings
from hostico.billing.vat_checks import recheck_pending
from hostico.billing.vies_job import ViesRechecker
from hostico.models import BillingProfile, Invoice, InvoiceEvent
from hostico.web.database import db
from tests.factories import vies_answer

TODAY = dt.date(2026, 6, 1)
DE = dict(kind="company", company_name="Berliner Hosting GmbH", cui="DE136695976", vat_number="DE136695976",
          country="DE", address="Hauptstraße 1", city="Berlin", county=None, postal_code="10115")


def test_valid_number_comes_back_with_name_and_consultation_number(fake_vies):
    answer = vies.check_vat(fake_vies.url, "DE136695976", requester=("RO", "18547290"), timeout=2)
    assert answer.status == "valid" and answer.valid is True
    assert answer.name == "Berliner Hosting GmbH" and answer.request_id.startswith("WAPI")
    assert fake_vies.requests[-1] == {"countryCode": "DE", "vatNumber": "136695976",
                                      "requesterMemberStateCode": "RO", "requesterNumber": "18547290"}
    snapshot = answer.snapshot()
    assert snapshot["valid"] is True and snapshot["checked_at"] and snapshot["vat_number"] == "DE136695976"


def test_greek_numbers_are_asked_with_el(fake_vies):
    vies.check_vat(fake_vies.url, "EL094259216", timeout=2)
    assert fake_vies.requests[-1]["countryCode"] == "EL"


def test_number_vies_does_not_know_is_invalid(fake_vies):
    fake_vies.answers["DE136695976"] = "invalid"
    answer = vies.check_vat(fake_vies.url, "DE136695976", timeout=2)
    assert (answer.status, answer.valid, answer.error) == ("invalid", False, "INVALID")


def test_member_state_unavailable_is_pending_not_invalid(fake_vies):
    for behaviour in ("MS_UNAVAILABLE", "TIMEOUT", "MS_MAX_CONCURRENT_REQ", "SERVICE_UNAVAILABLE"):
        fake_vies.default = behaviour
        answer = vies.check_vat(fake_vies.url, "DE136695976", timeout=2)
        assert (answer.status, answer.valid, answer.error) == ("pending", None, behaviour)


@pytest.mark.slow
def test_slow_or_absent_vies_is_pending_within_the_timeout(fake_vies):
    fake_vies.default, fake_vies.delay = "slow", 3.0
    started = time.monotonic()
    answer = vies.check_vat(fake_vies.url, "DE136695976", timeout=0.5)
    assert answer.status == "pending" and answer.error == "TIMEOUT"
    assert time.monotonic() - started < 2.5
    assert vies.check_vat("http://127.0.0.1:9/rest-api", "DE136695976", timeout=1).status == "pending"


def pending_proforma(make, session, settings):
    customer = make.make_customer()
    profile = make.make_profile(customer, **DE, vies=vies_answer("DE136695976", "pending"))
    proforma = make.make_proforma(customer, profile=profile, amount="100.00", today=TODAY)
    session.commit()
    assert (proforma.vat_category, proforma.total) == ("S", Decimal("24.20"))
    return profile, proforma


def test_recheck_turns_the_unpaid_proforma_to_reverse_charge_once_vies_confirms(session, make, settings, fake_vies):
    profile, proforma = pending_proforma(make, session, settings)
    fake_vies.default = "MS_UNAVAILABLE"
    summary = recheck_pending(session, settings, today=TODAY)
    session.commit()
    assert summary.pending == 1 and summary.proformas_changed == []
    session.expire_all()
    assert session.get(Invoice, proforma.id).vat_category == "S"  # never reverse charge without a positive answer

    fake_vies.default = "valid"
    summary = recheck_pending(session, settings, today=TODAY)
    session.commit()
    assert summary.confirmed == 1 and summary.proformas_changed == [proforma.code]
    session.expire_all()
    inv = session.get(Invoice, proforma.id)
    assert (inv.vat_category, inv.vat_mention, inv.total) == ("AE", "Taxare inversă", Decimal("20.00"))
    assert inv.buyer["vies"]["valid"] is True and inv.buyer["vies"]["request_id"].startswith("WAPI")
    assert session.get(BillingProfile, profile.id).vies["status"] == "valid"
    event = session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == inv.id,
                                                       InvoiceEvent.action == "vies_checked")).one()
    assert event.before["total"] == "24.20" and event.after["total"] == "20.00"
    # Nothing pending any more: a third pass asks VIES nothing.
    asked = len(fake_vies.requests)
    assert recheck_pending(session, settings, today=TODAY).checked == 0 and len(fake_vies.requests) == asked


def test_number_refused_later_keeps_romanian_vat(session, make, settings, fake_vies):
    _profile, proforma = pending_proforma(make, session, settings)
    fake_vies.default = "invalid"
    assert recheck_pending(session, settings, today=TODAY).refused == 1
    session.commit()
    session.expire_all()
    inv = session.get(Invoice, proforma.id)
    assert inv.vat_category == "S" and inv.buyer["vies"]["status"] == "invalid"


def test_proforma_paid_meanwhile_is_left_alone(session, make, settings, fake_vies):
    from hostico.billing.payments import record_payment

    _profile, proforma = pending_proforma(make, session, settings)
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings, today=TODAY)
    session.commit()
    assert recheck_pending(session, settings, today=TODAY).proformas_changed == []


def test_the_billing_run_rechecks_pending_numbers(session, make, settings, fake_vies):
    _profile, proforma = pending_proforma(make, session, settings)
    summary = run_billing(session, settings, TODAY)
    assert summary["vies_rechecked"] == 1
    session.expire_all()
    assert session.get(Invoice, proforma.id).vat_category == "AE"


def test_the_worker_rechecks_at_its_interval(app, session, make, settings, fake_vies):
    _profile, proforma = pending_proforma(make, session, settings)
    now = [0.0]
    job = ViesRechecker(db.get(app).new_session, BillingSettings.from_config({**app.config, "VIES_RETRY_SECONDS": 600}),
                        clock=lambda: now[0])
    fake_vies.default = "MS_UNAVAILABLE"
    assert job.due().pending == 1
    fake_vies.default = "valid"
    now[0] = 599.0
    assert job.due() is None  # not yet
    now[0] = 600.0
    assert job.due().proformas_changed == [proforma.code]
    session.expire_all()
    assert session.get(Invoice, proforma.id).vat_category == "AE"
