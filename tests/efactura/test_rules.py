"""One test per EN 16931 / CIUS-RO rule the validator encodes: a valid document, broken in one place."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from lxml import etree

from hostico.efactura.ubl import build_document
from hostico.efactura.validate import validate_document

NS = {"cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
SELLER = {"name": "Hostico SRL", "cui": "RO18547290", "reg_com": "J40/12345/2006", "street": "Str. Exemplu nr. 1",
          "city": "SECTOR1", "county": "RO-B", "postal_code": "010101", "country": "RO",
          "bank": "Banca Transilvania", "iban": "RO49AAAA1B31007593840000"}
BUYER = {"kind": "company", "company_name": "Exemplu SRL", "cui": "34567892", "vat_number": "RO34567892",
         "address": "Str. Lungă nr. 5", "city": "Brașov", "county": "RO-BV", "postal_code": "500001", "country": "RO"}


def invoice(*, buyer=None, rate="21", reverse_charge=False, kind="tax", net="100.00", vat=None):
    net = Decimal(net)
    vat = Decimal(vat) if vat is not None else (net * Decimal(rate) / 100).quantize(Decimal("0.01"))
    line = SimpleNamespace(position=1, description="Hosting Start", quantity=Decimal(1), unit_price=net,
                           vat_rate=Decimal(rate), net=net, vat=vat, period_start=dt.date(2026, 12, 1),
                           period_end=dt.date(2026, 12, 31))
    return SimpleNamespace(kind=kind, code="HST-000007", issue_date=dt.date(2026, 11, 20), due_date=None,
                           currency="RON", buyer=dict(buyer or BUYER), seller=dict(SELLER),
                           reverse_charge=reverse_charge, subtotal=net, vat_total=vat, total=net + vat, lines=[line],
                           corrects_id=None, paid_at=dt.datetime(2026, 11, 20, 10, 0))


def document(**kw) -> etree._Element:
    return etree.fromstring(build_document(invoice(**kw)))


def rules_of(root) -> set[str]:
    return {f.rule for f in validate_document(etree.tostring(root))}


def set_text(root, path, value):
    for element in root.xpath(path, namespaces=NS):
        element.text = value


def remove(root, path):
    for element in root.xpath(path, namespaces=NS):
        element.getparent().remove(element)


def test_base_documents_are_valid():
    assert validate_document(etree.tostring(document())) == []
    eu = dict(BUYER, cui="DE136695976", vat_number="DE136695976", county=None, country="DE")
    assert validate_document(etree.tostring(document(buyer=eu, rate="0", reverse_charge=True))) == []


# (rule, mutation) — each breaks exactly the rule it names.
BREAKAGES = [
    ("BR-RO-001", lambda r: set_text(r, "/*/cbc:CustomizationID", "urn:cen.eu:en16931:2017")),
    ("BR-RO-010", lambda r: set_text(r, "/*/cbc:ID", "HST-ABC")),
    ("BR-RO-020", lambda r: set_text(r, "/*/cbc:InvoiceTypeCode", "325")),
    ("BR-RO-DT001", lambda r: set_text(r, "//cac:InvoicePeriod/cbc:StartDate", "2026-12-1")),
    ("BR-CL-04", lambda r: set_text(r, "/*/cbc:DocumentCurrencyCode", "LEI")),
    ("BR-RO-030", lambda r: set_text(r, "/*/cbc:DocumentCurrencyCode", "EUR")),
    ("BR-RO-080", lambda r: remove(r, "//cac:AccountingSupplierParty//cbc:StreetName")),
    ("BR-RO-081", lambda r: remove(r, "//cac:AccountingCustomerParty//cbc:StreetName")),
    ("BR-RO-090", lambda r: remove(r, "//cac:AccountingSupplierParty//cbc:CityName")),
    ("BR-RO-091", lambda r: remove(r, "//cac:AccountingCustomerParty//cbc:CityName")),
    ("BR-RO-100", lambda r: set_text(r, "//cac:AccountingSupplierParty//cbc:CityName", "Bucuresti")),
    ("BR-RO-101", lambda r: (set_text(r, "//cac:AccountingCustomerParty//cbc:CountrySubentity", "RO-B"),
                             set_text(r, "//cac:AccountingCustomerParty//cbc:CityName", "Sector 2"))),
    ("BR-RO-110", lambda r: set_text(r, "//cac:AccountingSupplierParty//cbc:CountrySubentity", "București")),
    ("BR-RO-111", lambda r: set_text(r, "//cac:AccountingCustomerParty//cbc:CountrySubentity", "Brasov")),
    ("BR-RO-120", lambda r: (remove(r, "//cac:AccountingCustomerParty//cac:PartyTaxScheme"),
                             remove(r, "//cac:AccountingCustomerParty//cac:PartyLegalEntity/cbc:CompanyID"))),
    ("BR-RO-065", lambda r: remove(r, "//cac:AccountingSupplierParty//cac:PartyTaxScheme")),
    ("BR-06", lambda r: set_text(r, "//cac:AccountingSupplierParty//cbc:RegistrationName", "")),
    ("BR-07", lambda r: set_text(r, "//cac:AccountingCustomerParty//cbc:RegistrationName", "")),
    ("BR-CL-14", lambda r: set_text(r, "//cac:AccountingCustomerParty//cac:Country/cbc:IdentificationCode", "XX")),
    ("BR-CO-09", lambda r: set_text(r, "//cac:AccountingCustomerParty//cac:PartyTaxScheme/cbc:CompanyID", "34567892")),
    ("BR-25", lambda r: set_text(r, "//cac:Item/cbc:Name", "")),
    ("BR-27", lambda r: set_text(r, "//cac:Price/cbc:PriceAmount", "-100.00")),
    ("BR-DEC", lambda r: set_text(r, "//cac:LegalMonetaryTotal/cbc:PrepaidAmount", "121.001")),
    ("BR-CO-10", lambda r: set_text(r, "//cac:LegalMonetaryTotal/cbc:LineExtensionAmount", "99.00")),
    ("BR-CO-13", lambda r: set_text(r, "//cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", "99.00")),
    ("BR-CO-14", lambda r: set_text(r, "/*/cac:TaxTotal/cbc:TaxAmount", "20.00")),
    ("BR-CO-15", lambda r: set_text(r, "//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "120.00")),
    ("BR-CO-16", lambda r: set_text(r, "//cac:LegalMonetaryTotal/cbc:PayableAmount", "1.00")),
    ("BR-CO-17", lambda r: (set_text(r, "//cac:TaxSubtotal/cbc:TaxAmount", "25.00"),
                            set_text(r, "/*/cac:TaxTotal/cbc:TaxAmount", "25.00"))),
    ("BR-CO-18", lambda r: remove(r, "//cac:TaxSubtotal")),
    ("BR-CO-25", lambda r: (remove(r, "//cac:LegalMonetaryTotal/cbc:PrepaidAmount"),
                            set_text(r, "//cac:LegalMonetaryTotal/cbc:PayableAmount", "121.00"))),
    ("BR-S-08", lambda r: set_text(r, "//cac:TaxSubtotal/cbc:TaxableAmount", "90.00")),
    ("BR-S-02", lambda r: remove(r, "//cac:AccountingSupplierParty//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']")),
    ("BR-CL-18", lambda r: set_text(r, "//cac:TaxSubtotal/cac:TaxCategory/cbc:ID", "X")),
    ("BR-61", lambda r: remove(r, "//cac:PayeeFinancialAccount")),
    ("BR-CL-16", lambda r: set_text(r, "//cbc:PaymentMeansCode", "999")),
    ("BR-RO-L100", lambda r: set_text(r, "//cac:Item/cbc:Name", "x" * 101)),
    ("BR-RO-L150", lambda r: set_text(r, "//cac:AccountingCustomerParty//cbc:StreetName", "x" * 151)),
    ("BR-RO-L050", lambda r: set_text(r, "//cac:AccountingCustomerParty//cbc:CityName", "x" * 51)),
    ("BR-RO-L020", lambda r: set_text(r, "//cac:AccountingCustomerParty//cbc:PostalZone", "1" * 21)),
    ("BR-RO-L003", lambda r: set_text(r, "//cac:AccountingCustomerParty//cbc:RegistrationName", "x" * 201)),
    ("BR-RO-L001", lambda r: set_text(r, "/*/cbc:ID", "1" * 201)),
    ("BR-16", lambda r: remove(r, "//cac:InvoiceLine")),
    ("UBL-XSD", lambda r: r.append(etree.Element("{urn:oasis:names:specification:ubl:schema:xsd:"
                                                  "CommonBasicComponents-2}Unknown"))),
]


@pytest.mark.parametrize(("rule", "breakage"), BREAKAGES, ids=[rule for rule, _ in BREAKAGES])
def test_rule_refuses_the_broken_document(rule, breakage):
    root = document()
    breakage(root)
    assert rule in rules_of(root)


def test_br_co_03_vat_point_date_and_its_code_are_mutually_exclusive():
    root = document()
    point = etree.Element(f"{{{NS['cbc']}}}TaxPointDate")
    point.text = "2026-11-20"
    root.find("cbc:DocumentCurrencyCode", NS).addprevious(point)
    assert validate_document(etree.tostring(root)) == []
    period = etree.Element(f"{{{NS['cac']}}}InvoicePeriod")
    etree.SubElement(period, f"{{{NS['cbc']}}}DescriptionCode").text = "432"
    root.find("cac:AccountingSupplierParty", NS).addprevious(period)
    assert "BR-CO-03" in rules_of(root)
    point.text = "20.11.2026"
    assert "BR-RO-DT001" in rules_of(root)


def test_br_ro_a020_at_most_twenty_notes():
    root = document()
    for _ in range(21):
        root.insert(4, etree.Element(f"{{{NS['cbc']}}}Note"))
        root[4].text = "x"
    assert "BR-RO-A020" in rules_of(root)


def test_br_53_eur_document_needs_the_vat_total_in_ron():
    root = document()
    set_text(root, "/*/cbc:DocumentCurrencyCode", "EUR")
    for element in root.iter():
        if element.get("currencyID"):
            element.set("currencyID", "EUR")
    currency = root.find("cbc:DocumentCurrencyCode", NS)
    tax_currency = etree.Element(f"{{{NS['cbc']}}}TaxCurrencyCode")
    tax_currency.text = "RON"
    currency.addnext(tax_currency)
    assert "BR-53" in rules_of(root)


def test_reverse_charge_rules_ae():
    eu = dict(BUYER, cui="DE136695976", vat_number="DE136695976", county=None, country="DE")
    root = document(buyer=eu, rate="0", reverse_charge=True)
    remove(root, "//cac:TaxSubtotal//cbc:TaxExemptionReason")
    remove(root, "//cac:TaxSubtotal//cbc:TaxExemptionReasonCode")
    remove(root, "//cac:AccountingCustomerParty//cac:PartyTaxScheme")
    assert {"BR-AE-10", "BR-AE-02"} <= rules_of(root)
    root = document(buyer=eu, rate="0", reverse_charge=True)
    set_text(root, "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent", "21.00")
    assert "BR-AE-06" in rules_of(root)


def test_outside_scope_rules_o():
    us = dict(BUYER, cui="12-3456789", vat_number=None, county=None, country="US")
    root = document(buyer=us, rate="0")
    assert rules_of(root) == set()
    vat_id = etree.fromstring(build_document(invoice()))
    scheme = vat_id.find(".//cac:AccountingSupplierParty//cac:PartyTaxScheme", NS)
    root.find(".//cac:AccountingSupplierParty//cac:PartyTaxScheme", NS).getparent().replace(
        root.find(".//cac:AccountingSupplierParty//cac:PartyTaxScheme", NS), scheme)
    assert "BR-O-02" in rules_of(root)
    root = document(buyer=us, rate="0")
    remove(root, "//cac:TaxSubtotal//cbc:TaxExemptionReason")
    remove(root, "//cac:TaxSubtotal//cbc:TaxExemptionReasonCode")
    assert "BR-O-10" in rules_of(root)


def test_findings_are_readable_sentences_naming_the_rule():
    root = document()
    set_text(root, "//cac:AccountingCustomerParty//cbc:CountrySubentity", "Brasov")
    findings = validate_document(etree.tostring(root))
    assert [str(f) for f in findings] == [
        "[BR-RO-111] The buyer's county Brasov is not an ISO 3166-2:RO code such as RO-BV."]


def test_not_xml_at_all_is_a_finding_not_a_crash():
    assert [f.rule for f in validate_document(b"<Invoice")] == ["XML"]
