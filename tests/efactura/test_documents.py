"""Every tax invoice and credit note exports a UBL CIUS-RO document that passes the schema and the rules."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import pytest
from lxml import etree

from hostico.efactura.scope import route_for
from hostico.efactura.ubl import CUSTOMIZATION_ID, DocumentError, build_document
from hostico.efactura.validate import validate_document
from tests.efactura.conftest import BUYERS, REPORTED

NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


def xpath(xml: bytes, path: str) -> list[str]:
    return [e.text if hasattr(e, "text") else str(e) for e in etree.fromstring(xml).xpath(path, namespaces=NS)]


@pytest.mark.parametrize("buyer", list(BUYERS))
def test_tax_invoice_and_credit_note_of_each_buyer_kind_pass_schema_and_rules(issue, buyer):
    tax, note = issue(buyer, credit=True)
    for document in (tax, note):
        assert [str(f) for f in validate_document(build_document(document))] == []


@pytest.mark.parametrize("buyer", list(BUYERS))
def test_exactly_documents_supplied_in_romania_are_reported(issue, buyer):
    tax, note = issue(buyer, credit=True)
    assert (route_for(tax) is not None) == (buyer in REPORTED)
    assert (route_for(note) is not None) == (buyer in REPORTED)


def test_invoice_carries_cius_ro_header_parties_and_totals(issue):
    tax, _ = issue("ro_company", amount="100.00")
    xml = build_document(tax)
    assert etree.fromstring(xml).tag.endswith("}Invoice")
    assert xpath(xml, "/*/cbc:CustomizationID") == [CUSTOMIZATION_ID]
    assert xpath(xml, "/*/cbc:InvoiceTypeCode") == ["380"]
    assert xpath(xml, "/*/cbc:ID") == [tax.code]
    assert xpath(xml, "//cac:AccountingSupplierParty//cac:PartyTaxScheme/cbc:CompanyID") == ["RO18547290"]
    assert xpath(xml, "//cac:AccountingCustomerParty//cac:PartyTaxScheme/cbc:CompanyID") == ["RO34567892"]
    assert xpath(xml, "//cac:AccountingCustomerParty//cac:PartyLegalEntity/cbc:CompanyID") == ["34567892"]
    assert xpath(xml, "//cac:AccountingCustomerParty//cbc:CountrySubentity") == ["RO-BV"]
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["S"]
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == ["21.00"]
    assert xpath(xml, "//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount") == ["121.00"]
    assert xpath(xml, "//cac:PayeeFinancialAccount/cbc:ID") == ["RO49AAAA1B31007593840000"]
    assert xpath(xml, "//cac:PaymentMeans/cbc:PaymentMeansCode") == ["30"]


def test_document_comes_from_the_snapshot_not_the_live_profile(issue, session):
    from hostico.models import BillingProfile

    tax, _ = issue("ro_company")
    profile = session.get(BillingProfile, tax.billing_profile_id)
    profile.company_name, profile.county = "Renamed Later SRL", "RO-CJ"
    session.commit()
    xml = build_document(tax)
    assert xpath(xml, "//cac:AccountingCustomerParty//cbc:RegistrationName") == ["Exemplu SRL"]
    assert xpath(xml, "//cac:AccountingCustomerParty//cbc:CountrySubentity") == ["RO-BV"]


def test_consumer_without_cnp_is_thirteen_zeros_and_goes_through_uploadb2c(issue):
    tax, _ = issue("person_without_cnp")
    xml = build_document(tax)
    assert xpath(xml, "//cac:AccountingCustomerParty//cac:PartyLegalEntity/cbc:CompanyID") == ["0000000000000"]
    route = route_for(tax)
    assert (route.endpoint, route.standard, route.extern, route.buyer_id) == ("uploadb2c", "UBL", False,
                                                                               "0000000000000")


def test_consumer_with_cnp_is_identified_by_it(issue):
    tax, _ = issue("person_with_cnp")
    assert xpath(build_document(tax), "//cac:AccountingCustomerParty//cac:PartyLegalEntity/cbc:CompanyID") == [
        "2850315123457"]
    assert route_for(tax).buyer_id == "2850315123457"


def test_company_goes_through_upload_and_credit_note_as_cn(issue):
    tax, note = issue("ro_company", credit=True)
    assert route_for(tax).endpoint == "upload" and route_for(tax).params == {"standard": "UBL"}
    assert route_for(note).params == {"standard": "CN"}


def test_bucharest_sector_is_the_city(issue):
    tax, _ = issue("ro_company_bucharest")
    xml = build_document(tax)
    assert xpath(xml, "//cac:AccountingCustomerParty//cbc:CityName") == ["SECTOR3"]
    assert xpath(xml, "//cac:AccountingCustomerParty//cbc:CountrySubentity") == ["RO-B"]


def test_legacy_free_text_county_and_sector_are_normalised(issue):
    data = dict(BUYERS["person_with_cnp"], county="Bucuresti", city="București, Sector 4")
    tax, _ = issue(data)
    xml = build_document(tax)
    assert xpath(xml, "//cac:AccountingCustomerParty//cbc:CityName") == ["SECTOR4"]
    assert xpath(xml, "//cac:AccountingCustomerParty//cbc:CountrySubentity") == ["RO-B"]
    assert validate_document(xml) == []


def test_reverse_charge_has_ae_category_with_exemption_reason(issue):
    tax, _ = issue("eu_reverse_charge")
    xml = build_document(tax)
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["AE"]
    assert xpath(xml, "//cac:TaxSubtotal//cbc:TaxExemptionReasonCode") == ["VATEX-EU-AE"]
    assert xpath(xml, "//cac:TaxSubtotal//cbc:TaxExemptionReason") == ["Taxare inversă"]
    assert xpath(xml, "/*/cbc:Note") == ["Taxare inversă"]


def test_non_eu_business_is_outside_scope_without_vat_identifiers(issue):
    tax, _ = issue("non_eu_company")
    xml = build_document(tax)
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["O"]
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent") == []
    assert "art. 278 alin. 2" in xpath(xml, "//cac:TaxSubtotal//cbc:TaxExemptionReason")[0]
    assert xpath(xml, "//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID") == []


def test_credit_note_refers_to_the_corrected_invoice_with_positive_amounts(issue):
    tax, note = issue("ro_company", credit=True)
    xml = build_document(note)
    assert etree.fromstring(xml).tag.endswith("}CreditNote")
    assert xpath(xml, "/*/cbc:CreditNoteTypeCode") == ["381"]
    assert xpath(xml, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") == [tax.code]
    assert xpath(xml, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate") == ["2026-11-20"]
    assert xpath(xml, "//cac:CreditNoteLine/cbc:CreditedQuantity") == ["1"]
    assert xpath(xml, "//cac:LegalMonetaryTotal/cbc:PayableAmount") == ["121.00"]


def test_long_item_name_is_cut_to_100_characters_with_the_full_text_in_the_description(issue):
    tax, _ = issue("ro_company", description="Hosting " + "x" * 150)
    xml = build_document(tax)
    assert len(xpath(xml, "//cac:Item/cbc:Name")[0]) == 100
    assert xpath(xml, "//cac:Item/cbc:Description")[0].startswith("Hosting xxx")
    assert validate_document(xml) == []


def in_eur(invoice, **extra):
    """The invoice as an EUR document (the BNR rate kept on the invoice is fiscal-docs' part)."""
    fields = ("kind", "code", "issue_date", "due_date", "buyer", "seller", "reverse_charge", "subtotal",
              "vat_total", "total", "lines", "corrects_id", "paid_at")
    return SimpleNamespace(**{name: getattr(invoice, name) for name in fields}, currency="EUR", **extra)


def test_eur_document_states_its_vat_in_ron(issue):
    tax, _ = issue("person_with_cnp", amount="19.00")
    xml = build_document(in_eur(tax, exchange_rate=Decimal("5.0917")))
    assert xpath(xml, "/*/cbc:TaxCurrencyCode") == ["RON"]
    assert xpath(xml, "//cac:TaxTotal/cbc:TaxAmount[@currencyID='RON']") == ["20.32"]  # 3.99 EUR × 5.0917
    assert validate_document(xml) == []


def test_eur_document_with_vat_and_no_rate_is_refused(issue):
    tax, _ = issue("person_with_cnp")
    with pytest.raises(DocumentError) as refused:
        build_document(in_eur(tax))
    assert refused.value.code == "missing_exchange_rate"


def test_proforma_has_no_document(make):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, profile=make.make_profile(customer))
    with pytest.raises(DocumentError):
        build_document(proforma)
    assert route_for(proforma) is None


def test_tax_invoice_carries_its_collection_date_as_bt7_and_a_credit_note_none(issue):
    tax, note = issue("ro_company", credit=True)
    xml = build_document(tax)
    assert xpath(xml, "/*/cbc:TaxPointDate") == [tax.collected_on.isoformat()] == ["2026-11-20"]
    assert xpath(xml, "/*/cac:InvoicePeriod/cbc:DescriptionCode") == []  # BT-8 never beside BT-7 (BR-CO-03)
    assert validate_document(xml) == []
    assert xpath(build_document(note), "/*/cbc:TaxPointDate") == []
    eur, _ = issue("eu_reverse_charge")
    assert xpath(build_document(eur), "/*/cbc:TaxPointDate") == ["2026-11-20"]
    assert validate_document(build_document(eur)) == []


# Since 2026 a business not established in Romania but registered for VAT here is reported (upload, its RO code).
REGISTERED_IN_RO = {
    "eu_with_ro_code": dict(BUYERS["eu_reverse_charge"], vat_number="RO34567892", vies=None),
    "eu_with_ro_code_vies_valid": dict(
        BUYERS["eu_reverse_charge"], vat_number="RO34567892",
        vies={"vat_number": "RO34567892", "status": "valid", "valid": True, "name": "Beispiel GmbH",
              "request_id": "WAPIAAAAZ0000000002", "checked_at": "2026-11-18T10:00:00+00:00"}),
    "non_eu_with_ro_code": dict(BUYERS["non_eu_company"], vat_number="RO34567892"),
}


@pytest.mark.parametrize("buyer", list(REGISTERED_IN_RO))
def test_foreign_business_registered_for_vat_in_romania_is_reported_with_its_ro_code(issue, buyer):
    tax, note = issue(REGISTERED_IN_RO[buyer], credit=True)
    for document, standard in ((tax, "UBL"), (note, "CN")):
        route = route_for(document)
        assert route is not None, buyer
        assert (route.endpoint, route.params, route.extern, route.buyer_id) == (
            "upload", {"standard": standard}, False, "34567892")
        xml = build_document(document)
        assert [str(f) for f in validate_document(xml)] == []
        assert xpath(xml, "//cac:AccountingCustomerParty//cac:PartyLegalEntity/cbc:CompanyID") == ["34567892"]
        vat_ids = xpath(xml, "//cac:AccountingCustomerParty//cac:PartyTaxScheme/cbc:CompanyID")
        assert vat_ids == ([] if tax.vat_category == "O" else ["RO34567892"])
