"""VAT rate by date (docs/fiscal.md): HOSTICO_VAT_RATES, the rate of the payment day on the tax invoice, unpaid
proformas brought to the rate in force by the billing run, and the amount paid always equal to the tax
invoice's total."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing.errors import PaymentRefused
from hostico.billing.payments import record_payment
from hostico.billing.run import run_billing
from hostico.billing.settings import BillingSettings
from hostico.models import Invoice, InvoiceEvent
from tests.conftest import reconfigure
from tests.factories import vies_answer

BEFORE, CHANGE, AFTER = dt.date(2025, 7, 20), dt.date(2025, 8, 1), dt.date(2025, 8, 5)


def events(session, invoice, action="vat_recomputed"):
    return session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == invoice.id,
                                                      InvoiceEvent.action == action)).all()


def tax_of(session, payment):
    return session.get(Invoice, payment.tax_invoice_id)


def test_the_default_table_has_19_percent_until_august_2025_then_21():
    settings = BillingSettings.from_config({})
    assert settings.vat_rate_on(dt.date(2025, 7, 31)) == Decimal("19")
    assert settings.vat_rate_on(CHANGE) == Decimal("21")
    assert settings.vat_rate_on(dt.date(2017, 1, 1)) == Decimal("19")


def test_vat_rate_is_one_rate_at_all_dates_and_wins_over_the_table():
    settings = BillingSettings.from_config({"VAT_RATE": Decimal("9"), "VAT_RATES": "2017-01-01:19,2025-08-01:21"})
    assert {settings.vat_rate_on(d) for d in (BEFORE, AFTER)} == {Decimal("9")}
    table = BillingSettings.from_config({"VAT_RATES": "2026-07-01:23, 2017-01-01:19"})
    assert (table.vat_rate_on(dt.date(2026, 6, 30)), table.vat_rate_on(dt.date(2026, 7, 1))) == (19, 23)


@pytest.mark.parametrize("bad", ["2025-08-01", "2025-13-01:21", "2025-08-01:abc", "2025-08-01:150", ",",
                                 "2025-08-01:21,2025-08-01:19"])
def test_a_bad_table_stops_the_app_with_a_clear_error(bad):
    with pytest.raises(ValueError, match="HOSTICO_VAT_RATES"):
        BillingSettings.from_config({"VAT_RATES": bad})


def test_proforma_issued_at_19_and_paid_after_the_change_gets_a_21_percent_tax_invoice(session, make, settings):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00", today=BEFORE, settings=settings)
    assert (proforma.lines[0].vat_rate, proforma.total) == (Decimal("19"), Decimal("119.00"))
    with pytest.raises(PaymentRefused) as refused:  # more than the total at the new rate
        record_payment(session, proforma.id, amount=Decimal("121.01"), method="bank_transfer", settings=settings,
                       today=AFTER)
    assert refused.value.code == "amount_mismatch" and refused.value.params["total"] == "121.00"
    session.rollback()
    payment = record_payment(session, proforma.id, amount=Decimal("121.00"), method="bank_transfer",
                             settings=settings, today=AFTER)
    tax = tax_of(session, payment)
    assert [line.vat_rate for line in tax.lines] == [Decimal("21")]
    assert (tax.vat_total, tax.total) == (Decimal("21.00"), payment.amount)
    [event] = events(session, proforma)
    assert (event.before["total"], event.after["total"]) == ("119.00", "121.00")


def test_the_old_total_paid_after_the_change_is_accepted_and_the_rest_stays_due(session, make, settings):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00", today=BEFORE, settings=settings)
    assert proforma.total == Decimal("119.00")
    payment = record_payment(session, proforma.id, amount=Decimal("119.00"), method="bank_transfer",
                             settings=settings, today=AFTER)
    advance = tax_of(session, payment)
    assert [(line.vat_rate, line.net, line.vat) for line in advance.lines] == [
        (Decimal("21"), Decimal("98.35"), Decimal("20.65"))]
    assert advance.total == Decimal("119.00")
    proforma = session.get(Invoice, proforma.id)
    assert (proforma.status, proforma.display_status, proforma.total, proforma.amount_due) == (
        "unpaid", "partly_paid", Decimal("121.00"), Decimal("2.00"))
    rest = record_payment(session, proforma.id, amount=Decimal("2.00"), method="bank_transfer", settings=settings,
                          today=AFTER)
    final = tax_of(session, rest)
    assert final.total == Decimal("2.00") and proforma.status == "paid"


def test_money_received_before_the_change_is_taxed_at_the_old_rate(session, make, settings):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00", today=BEFORE, settings=settings)
    session.commit()
    run_billing(session, settings, CHANGE)  # the run brings it to 21% ...
    session.expire_all()
    assert session.get(Invoice, proforma.id).total == Decimal("121.00")
    # ... but the transfer arrived on 30 July: VAT was due then, at 19%, and 119.00 pays it.
    payment = record_payment(session, proforma.id, amount=Decimal("119.00"), method="bank_transfer",
                             settings=settings, today=AFTER, received_on=dt.date(2025, 7, 30))
    tax = tax_of(session, payment)
    assert ([line.vat_rate for line in tax.lines], tax.total) == ([Decimal("19")], Decimal("119.00"))
    assert tax.collected_on == dt.date(2025, 7, 30)


def test_billing_run_on_the_change_day_recomputes_unpaid_proformas_once(session, make, settings):
    customer = make.make_customer()
    unpaid = make.make_proforma(customer, amount="100.00", today=BEFORE, settings=settings)
    paid = make.make_proforma(customer, amount="50.00", today=BEFORE, settings=settings)
    record_payment(session, paid.id, amount=paid.total, method="card", settings=settings, today=BEFORE)
    german = make.make_profile(customer, kind="company", company_name="Berliner Hosting GmbH", cui="DE136695976",
                               vat_number="DE136695976", country="DE", county=None, city="Berlin",
                               vies=vies_answer("DE136695976"))
    reverse = make.make_proforma(customer, profile=german, amount="100.00", today=BEFORE, settings=settings)
    session.commit()
    before_run = run_billing(session, settings, dt.date(2025, 7, 31))
    assert before_run["proformas_repriced"] == 0
    summary = run_billing(session, settings, CHANGE)
    assert summary["proformas_repriced"] == 1
    session.expire_all()
    unpaid, paid, reverse = (session.get(Invoice, i.id) for i in (unpaid, paid, reverse))
    assert (unpaid.lines[0].vat_rate, unpaid.vat_total, unpaid.total) == (Decimal("21"), Decimal("21.00"),
                                                                          Decimal("121.00"))
    [event] = events(session, unpaid)
    assert event.actor_kind == "system" and event.note_params == {"rate": "21", "day": "2025-08-01"}
    assert paid.total == Decimal("59.50") and events(session, paid) == []  # a paid proforma never changes
    assert reverse.vat_category == "AE" and events(session, reverse) == []
    assert run_billing(session, settings, CHANGE)["proformas_repriced"] == 0  # a second run changes nothing
    assert len(events(session, unpaid)) == 1


def test_eur_proforma_is_repriced_with_its_lei_amounts(session, make, settings):
    customer = make.make_customer()
    french = make.make_profile(customer, kind="person", name="Jeanne Martin", cnp=None, country="FR", county=None,
                               city="Paris", address="1 rue de Rivoli", postal_code="75001")
    proforma = make.make_proforma(customer, profile=french, amount="100.00", today=BEFORE, settings=settings)
    assert (proforma.currency, proforma.total, proforma.total_ron) == ("EUR", Decimal("23.80"), Decimal("119.00"))
    session.commit()
    run_billing(session, settings, CHANGE)
    session.expire_all()
    proforma = session.get(Invoice, proforma.id)
    assert (proforma.total, proforma.vat_total_ron, proforma.total_ron) == (Decimal("24.20"), Decimal("21.00"),
                                                                           Decimal("121.00"))


def test_a_future_rate_change_from_the_settings(app, session, make):
    from hostico.web.app_settings import settings as app_settings

    reconfigure(app, VAT_RATES="2017-01-01:19,2025-08-01:21,2026-07-01:23")
    settings = app_settings(app).billing
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00", today=dt.date(2026, 6, 25), settings=settings)
    assert proforma.total == Decimal("121.00")
    payment = record_payment(session, proforma.id, amount=Decimal("123.00"), method="card", settings=settings,
                             today=dt.date(2026, 7, 2))
    assert tax_of(session, payment).lines[0].vat_rate == Decimal("23")


def test_renewals_issued_on_the_change_day_charge_the_new_rate(session, make, settings):
    customer = make.make_customer()
    make.make_service(customer, price="100.00", next_due_date=dt.date(2025, 8, 10))
    session.commit()
    assert run_billing(session, settings, CHANGE)["proformas_issued"] == 1
    renewal = session.scalars(select(Invoice).where(Invoice.kind == "proforma")).one()
    assert (renewal.lines[0].vat_rate, renewal.total) == (Decimal("21"), Decimal("121.00"))
