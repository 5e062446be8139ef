"""Place of supply of hosting (art. 278 Cod fiscal, docs/fiscal.md): who pays Romanian VAT, who gets reverse
charge (only with VIES's confirmation), who is not taxed in Romania, and the mention each document prints."""

import datetime as dt
from decimal import Decimal

import pytest

from hostico.billing.payments import record_payment
from hostico.billing.taxes import tax_treatment
from hostico.efactura.ubl import build_document
from tests.client.test_invoices_pdf import pdf_text
from tests.factories import vies_answer

TODAY = dt.date(2026, 6, 1)
ADDRESS = dict(address="1 Main Street", city="Springfield", county=None, postal_code="62701")
US_COMPANY = dict(kind="company", company_name="Example Inc.", cui="12-3456789", country="US", **ADDRESS)
US_PERSON = dict(kind="person", name="John Smith", country="US", **ADDRESS)
DE_COMPANY = dict(kind="company", company_name="Berliner Hosting GmbH", cui="DE136695976", vat_number="DE136695976",
                  country="DE", address="Hauptstraße 1", city="Berlin", county=None, postal_code="10115")
FR_PERSON = dict(kind="person", name="Jeanne Martin", country="FR", address="1 rue de Rivoli", city="Paris",
                 county=None, postal_code="75001")


def proforma_for(make, **profile):
    customer = make.make_customer()
    kind = profile.pop("kind")
    return make.make_proforma(customer, profile=make.make_profile(customer, kind=kind, **profile), amount="100.00",
                              today=TODAY)


def test_business_outside_the_eu_pays_no_romanian_vat_with_the_art_278_2_mention(make):
    inv = proforma_for(make, **US_COMPANY)
    assert (inv.vat_category, inv.vat_total, inv.currency, inv.total) == ("O", Decimal("0.00"), "EUR",
                                                                          Decimal("20.00"))
    assert [line.vat_rate for line in inv.lines] == [Decimal("0")]
    assert inv.vat_mention == "Neimpozabil în România (art. 278 alin. 2 Cod fiscal)"
    assert not inv.reverse_charge


def test_person_outside_the_eu_pays_no_romanian_vat_citing_art_278_5_h(make):
    inv = proforma_for(make, **US_PERSON)
    assert (inv.vat_category, inv.vat_total) == ("O", Decimal("0.00"))
    assert inv.vat_mention == "Neimpozabil în România (art. 278 alin. 5 lit. h Cod fiscal)"


def test_person_in_another_eu_state_pays_romanian_vat(make):
    inv = proforma_for(make, **FR_PERSON)
    assert (inv.vat_category, inv.vat_mention, inv.currency) == ("S", None, "EUR")
    assert inv.vat_total == Decimal("4.20") and inv.total == Decimal("24.20")


def test_eu_company_whose_number_vies_confirmed_gets_reverse_charge(make):
    inv = proforma_for(make, **DE_COMPANY, vies=vies_answer("DE136695976"))
    assert (inv.vat_category, inv.vat_mention, inv.vat_total) == ("AE", "Taxare inversă", Decimal("0.00"))
    assert inv.reverse_charge and inv.buyer["vies"]["request_id"] == "WAPIAAAAZ0000000042"


@pytest.mark.parametrize("vies", [None, vies_answer("DE136695976", "pending"), vies_answer("DE136695976", "invalid"),
                                  vies_answer("DE999999999")],
                         ids=["format-only", "pending", "invalid", "other-number"])
def test_eu_company_without_a_positive_vies_answer_pays_romanian_vat(make, vies):
    inv = proforma_for(make, **DE_COMPANY, vies=vies)
    assert (inv.vat_category, inv.reverse_charge) == ("S", False)
    assert inv.vat_total == Decimal("4.20") and inv.total == Decimal("24.20")


def test_romanian_buyers_pay_romanian_vat(settings):
    for buyer in ({"kind": "person", "country": "RO"},
                  {"kind": "company", "country": "RO", "vat_number": "RO34567892",
                   "vies": vies_answer("RO34567892")}):
        assert tax_treatment(buyer, settings, TODAY).category == "S"
        assert tax_treatment(buyer, settings, TODAY).rate == Decimal("21")


def test_tax_invoice_keeps_the_treatment_and_its_mention(session, make, settings):
    proforma = proforma_for(make, **US_COMPANY)
    payment = record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                             today=TODAY)
    tax = session.get(type(proforma), payment.tax_invoice_id)
    assert (tax.vat_category, tax.vat_mention, tax.total) == ("O", proforma.vat_mention, Decimal("20.00"))


def test_e_factura_document_of_a_person_outside_the_eu_is_category_o_citing_art_278_5_h(session, make, settings):
    from lxml import etree

    proforma = proforma_for(make, **US_PERSON)
    payment = record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                             today=TODAY)
    xml = etree.fromstring(build_document(session.get(type(proforma), payment.tax_invoice_id)))
    ns = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
          "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
    assert xml.xpath("//cac:TaxSubtotal/cac:TaxCategory/cbc:ID/text()", namespaces=ns) == ["O"]
    assert xml.xpath("//cac:TaxSubtotal//cbc:TaxExemptionReason/text()", namespaces=ns) == [
        "Neimpozabil în România (art. 278 alin. 5 lit. h Cod fiscal)"]


def test_invoice_page_and_pdf_print_the_mention(client, make, login_as):
    customer = make.make_customer()
    inv = make.make_proforma(customer, profile=make.make_profile(customer, **US_COMPANY), amount="100.00")
    login_as(client, customer)
    page = client.get(f"/invoices/{inv.code}").get_data(as_text=True)
    assert "Neimpozabil în România (art. 278 alin. 2 Cod fiscal)" in page
    pdf = " ".join(pdf_text(client.get(f"/invoices/{inv.code}.pdf").data).split())
    assert "Neimpozabil în România (art. 278 alin. 2 Cod fiscal)" in pdf
