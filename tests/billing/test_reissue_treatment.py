"""A reissue is a new sale to the buyer it names (docs/fiscal.md, Corrections): VAT category, rate, currency and
e-Factura scope follow that buyer as a proforma edit does, and it cites the cancelled invoice and its storno; every
EUR tax invoice (S, AE and O) takes the BNR rate of the banking day before its collection date (art. 290)."""

import datetime as dt
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import select

from hostico.billing.corrections import credit_tax_invoice, reissue_citation, reissue_tax_invoice
from hostico.billing.currency import BnrRate, convert
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.efactura.documents import enqueue_new
from hostico.efactura.scope import route_for
from hostico.efactura.ubl import build_document
from hostico.efactura.validate import validate_document
from hostico.models import EfacturaDocument, ExchangeRate, ExchangeRateSync, Invoice, utcnow
from tests.factories import vies_answer

FRIDAY, MONDAY, TUESDAY = dt.date(2026, 5, 29), dt.date(2026, 6, 1), dt.date(2026, 6, 2)
NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
GERMAN = dict(kind="company", company_name="Berliner Hosting GmbH", cui="DE136695976", vat_number="DE136695976",
              reg_com=None, address="Hauptstraße 1", city="Berlin", county=None, postal_code="10115", country="DE",
              vies=vies_answer("DE136695976"))
US_COMPANY = dict(kind="company", company_name="Example Inc.", cui="12-3456789", vat_number=None, reg_com=None,
                  address="1 Main Street", city="Springfield", county="IL", postal_code="62701", country="US")
RO_VAT_PAYER = dict(kind="company", company_name="Exemplu SRL", cui="34567892", vat_number="RO34567892",
                    reg_com="J08/123/2010", address="Str. Lungă nr. 5", city="Brașov", county="RO-BV",
                    postal_code="500001", country="RO")


def rates(session):
    """BNR published 5.0917 on Friday (Monday's rate) and 5.1000 on Monday (Tuesday's rate)."""
    session.add_all([ExchangeRate(day=FRIDAY, currency="EUR", rate=Decimal("5.0917"), multiplier=1),
                     ExchangeRate(day=MONDAY, currency="EUR", rate=Decimal("5.1000"), multiplier=1),
                     ExchangeRateSync(fetched_at=utcnow(), latest_day=MONDAY)])
    session.flush()


def paid(session, make, settings, profile_data=None):
    """A 100.00 RON product ordered on Monday, the money collected on Tuesday: its tax invoice."""
    rates(session)
    customer = make.make_customer()
    profile = make.make_profile(customer, **(profile_data or {}))
    proforma = create_proforma(session, customer, [LineSpec("Hosting Start", Decimal("100.00"))], origin="manual",
                               settings=settings, today=MONDAY, profile=profile)
    payment = record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                             today=TUESDAY, received_on=TUESDAY)
    session.flush()
    return customer, session.get(Invoice, payment.tax_invoice_id)


def storno_and_reissue(session, make, settings, tax, customer, buyer):
    storno = credit_tax_invoice(session, tax, settings=settings, today=TUESDAY, reason="wrong buyer")
    profile = make.make_profile(customer, **buyer)
    again = reissue_tax_invoice(session, tax, settings=settings, today=TUESDAY, staff_id=1,
                                buyer=profile.snapshot(), reason="wrong buyer")
    session.commit()
    return storno, again


def efactura_state(session, invoice: Invoice) -> EfacturaDocument:
    enqueue_new(session, utcnow())
    session.commit()
    return session.scalar(select(EfacturaDocument).where(EfacturaDocument.invoice_id == invoice.id))


def xpath(xml: bytes, path: str) -> list[str]:
    return [e.text for e in etree.fromstring(xml).xpath(path, namespaces=NS)]


def assert_cites(xml: bytes, *documents: Invoice) -> None:
    assert xpath(xml, "/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == [d.code for d in documents]
    assert xpath(xml, "/*/cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == [
        d.issue_date.isoformat() for d in documents]


def test_a_romanian_persons_invoice_reissued_on_a_german_vat_payer_is_reverse_charge_in_eur(session, make, settings):
    customer, tax = paid(session, make, settings)
    assert (tax.vat_category, tax.currency, tax.total) == ("S", "RON", Decimal("121.00"))
    assert route_for(tax).endpoint == "uploadb2c"
    storno, again = storno_and_reissue(session, make, settings, tax, customer, GERMAN)
    assert (again.vat_category, again.vat_mention, again.reverse_charge, again.currency) == (
        "AE", "Taxare inversă", True, "EUR")
    line = again.lines[0]
    assert (line.vat_rate, line.vat, line.price_currency, line.price_amount) == (
        Decimal("0"), Decimal("0.00"), "RON", Decimal("100.00"))
    # a new sale on the collection day: prices converted at the rate of the day before it (Monday's 5.1000)
    assert (line.unit_price, line.price_rate, again.total) == (Decimal("19.61"), Decimal("5.1000"), Decimal("19.61"))
    assert (again.exchange_rate, again.rate_date, again.total_ron) == (Decimal("5.1000"), MONDAY, None)
    assert route_for(again) is None  # reverse charge: not reported to e-Factura
    assert efactura_state(session, again).state == "excluded"
    xml = build_document(again)
    assert [str(f) for f in validate_document(xml)] == []
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["AE"]
    assert xpath(xml, "/*/cbc:DocumentCurrencyCode") == ["EUR"]
    assert xpath(xml, "/*/cbc:TaxPointDate") == [TUESDAY.isoformat()]
    assert_cites(xml, tax, storno)
    assert reissue_citation(session, again) == (tax, [storno])
    assert reissue_citation(session, tax) is None


def test_a_german_reverse_charge_invoice_reissued_on_a_romanian_vat_payer_is_21_percent_in_lei(
        session, make, settings):
    customer, tax = paid(session, make, settings, GERMAN)
    assert (tax.vat_category, tax.currency, tax.total) == ("AE", "EUR", Decimal("19.64"))  # Monday's 5.0917
    storno, again = storno_and_reissue(session, make, settings, tax, customer, RO_VAT_PAYER)
    assert (again.vat_category, again.vat_mention, again.reverse_charge, again.currency) == ("S", None, False, "RON")
    line = again.lines[0]
    assert (line.vat_rate, line.unit_price, line.vat, line.price_currency, line.price_rate) == (
        Decimal("21"), Decimal("100.00"), Decimal("21.00"), None, None)
    assert (again.total, again.exchange_rate, again.vat_total_ron) == (Decimal("121.00"), None, None)
    route = route_for(again)
    assert (route.endpoint, route.extern, route.buyer_id, route.params) == ("upload", False, "34567892",
                                                                            {"standard": "UBL"})
    xml = build_document(again)
    assert [str(f) for f in validate_document(xml)] == []
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == ["21.00"]
    assert_cites(xml, tax, storno)
    document = efactura_state(session, again)
    assert (document.state, document.route, document.extern, document.findings) == ("pending", "upload", False, None)
    assert [str(f) for f in validate_document(build_document(storno))] == []


def test_a_reissue_on_the_same_treatment_keeps_the_amount_received(session, make, settings):
    customer, tax = paid(session, make, settings, GERMAN)
    other_german = dict(GERMAN, company_name="Münchner Hosting GmbH", cui="DE129273398", vat_number="DE129273398",
                        vies=vies_answer("DE129273398"))
    _, again = storno_and_reissue(session, make, settings, tax, customer, other_german)
    assert (again.vat_category, again.currency, again.total) == ("AE", "EUR", tax.total)
    assert again.lines[0].price_rate == tax.lines[0].price_rate == Decimal("5.0917")


@pytest.mark.parametrize(("buyer", "category"), [(GERMAN, "AE"), (US_COMPANY, "O"),
                                                  (dict(GERMAN, kind="person", name="Hans Meier", vies=None), "S")])
def test_every_eur_tax_invoice_takes_the_rate_of_the_day_before_its_collection(session, make, settings, buyer,
                                                                               category):
    _, tax = paid(session, make, settings, buyer)
    proforma = session.get(Invoice, tax.proforma_id)
    assert (tax.vat_category, tax.currency, tax.collected_on) == (category, "EUR", TUESDAY)
    assert (proforma.exchange_rate, proforma.rate_date) == (Decimal("5.0917"), FRIDAY)
    assert (tax.exchange_rate, tax.rate_date) == (Decimal("5.1000"), MONDAY)  # not the proforma's
    for line in tax.lines:  # the amount received keeps the conversion it was paid at, which the print shows
        assert line.price_rate == Decimal("5.0917")
        assert convert(line.price_amount, line.price_currency, tax.currency,
                       BnrRate("EUR", line.price_rate, FRIDAY)) == line.unit_price
    if category == "S":
        assert tax.vat_total_ron == (tax.vat_total * Decimal("5.1000")).quantize(Decimal("0.01"))
    assert [str(f) for f in validate_document(build_document(tax))] == []
