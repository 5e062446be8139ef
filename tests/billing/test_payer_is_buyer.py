"""Whoever pays is the buyer (docs/fiscal.md): a bank transfer recorded on another payer's data bills the sale to the
payer like an edit (VAT treatment, rate and currency follow the payer), and the amount is the payer's total."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing.errors import PaymentRefused
from hostico.billing.payments import record_payment
from hostico.models import Invoice, InvoiceEvent, Payment
from tests.factories import vies_answer

TODAY = dt.date(2026, 6, 1)
RO_PERSON = {"kind": "person", "name": "Maria Țurcanu", "cnp": None, "company_name": None, "cui": None,
             "reg_com": None, "vat_number": None, "address": "Str. Lungă nr. 5", "city": "Brașov", "county": "RO-BV",
             "postal_code": "500001", "country": "RO"}
US_COMPANY = {"kind": "company", "name": None, "cnp": None, "company_name": "Example Inc.", "cui": "12-3456789",
              "reg_com": None, "vat_number": None, "address": "1 Main Street", "city": "Springfield", "county": None,
              "postal_code": "62701", "country": "US"}


@pytest.fixture
def german_proforma(make, session):
    customer = make.make_customer()
    german = make.make_profile(customer, kind="company", company_name="Berliner Hosting GmbH", cui="DE136695976",
                               vat_number="DE136695976", country="DE", county=None, city="Berlin",
                               vies=vies_answer("DE136695976"))
    proforma = make.make_proforma(customer, profile=german, amount="100.00", today=TODAY)
    assert (proforma.vat_category, proforma.currency, proforma.total) == ("AE", "EUR", Decimal("20.00"))
    session.commit()
    return proforma


def pay_transfer(session, settings, proforma, amount, buyer):
    return record_payment(session, proforma.id, amount=Decimal(amount), method="bank_transfer", settings=settings,
                          today=TODAY, buyer=buyer, staff_id=None, reference="OP 1")


def test_reverse_charge_proforma_paid_by_a_romanian_person_gets_a_21_percent_lei_invoice(
        session, settings, german_proforma):
    with pytest.raises(PaymentRefused) as refused:  # more than this payer owes (121.00 lei)
        pay_transfer(session, settings, german_proforma, "121.01", RO_PERSON)
    assert refused.value.field == "amount" and refused.value.params["total"] == "121.00"
    assert refused.value.params["currency"] == "RON"
    session.rollback()
    payment = pay_transfer(session, settings, german_proforma, "121.00", RO_PERSON)
    tax = session.get(Invoice, payment.tax_invoice_id)
    assert (tax.buyer["name"], tax.vat_category, tax.reverse_charge, tax.vat_mention) == ("Maria Țurcanu", "S",
                                                                                          False, None)
    assert (tax.currency, tax.subtotal, tax.vat_total, tax.total) == ("RON", Decimal("100.00"), Decimal("21.00"),
                                                                      Decimal("121.00"))
    assert [line.vat_rate for line in tax.lines] == [Decimal("21")]
    assert (payment.amount, payment.currency) == (tax.total, "RON")
    proforma = session.get(Invoice, german_proforma.id)
    event = session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == proforma.id,
                                                       InvoiceEvent.action == "billing_edited")).one()
    assert event.note_code == "billed_to_payer"
    assert event.before["buyer"]["company_name"] == "Berliner Hosting GmbH" and event.before["total"] == "20.00"
    assert (event.after["vat_category"], event.after["currency"], event.after["total"]) == ("S", "RON", "121.00")


def test_romanian_proforma_paid_by_a_business_outside_the_eu_carries_no_romanian_vat(session, make, settings):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00", today=TODAY)
    assert proforma.total == Decimal("121.00")
    payment = pay_transfer(session, settings, proforma, "20.00", US_COMPANY)
    tax = session.get(Invoice, payment.tax_invoice_id)
    assert (tax.vat_category, tax.currency, tax.total) == ("O", "EUR", Decimal("20.00"))
    assert tax.vat_mention == "Neimpozabil în România (art. 278 alin. 2 Cod fiscal)"


def test_a_payer_with_the_proformas_own_data_changes_nothing(session, settings, german_proforma):
    payment = pay_transfer(session, settings, german_proforma, "20.00", dict(german_proforma.buyer))
    tax = session.get(Invoice, payment.tax_invoice_id)
    assert (tax.vat_category, tax.total) == ("AE", Decimal("20.00"))
    assert session.scalar(select(InvoiceEvent.id).where(InvoiceEvent.action == "billing_edited")) is None
    assert session.scalar(select(Payment.currency)) == "EUR"
