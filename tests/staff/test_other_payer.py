"""The staff bank-transfer form's "another payer": collected like a customer's billing data (the county from the
ISO 3166-2:RO list, so the tax invoice passes e-Factura's BR-RO-111), VIES for an EU business, and the payer's VAT."""

from decimal import Decimal

from sqlalchemy import select

from hostico.efactura.ubl import build_document
from hostico.efactura.validate import validate_document
from hostico.models import Invoice
from tests.efactura.test_documents import xpath

PAYER = {"payer": "other", "payer_name": "Plătitor SRL", "payer_cui": "34567892", "payer_address": "Str. Lungă nr. 5",
         "payer_city": "Iași", "payer_postal_code": "700001", "payer_country": "RO"}


def post_payment(client, code, data):
    return client.post_form(f"/staff/invoices/{code}/payment", {"reference": "OP 7", "key": "k7", **data},
                            token_from="/staff/")


def test_the_form_offers_the_counties_of_romania(client, make, make_staff, login_staff):
    proforma = make.make_proforma(make.make_customer())
    login_staff(client, make_staff())
    page = client.get(f"/staff/invoices/{proforma.code}").get_data(as_text=True)
    assert 'name="payer_county"' in page and '<option value="RO-IS">' in page and 'name="payer_sector"' in page


def test_a_romanian_payer_without_county_is_refused_at_the_field(client, make, make_staff, login_staff, session):
    proforma = make.make_proforma(make.make_customer())
    login_staff(client, make_staff())
    resp = post_payment(client, proforma.code, {**PAYER, "amount": str(proforma.total)})
    assert resp.status_code == 422
    assert 'id="payer_county-error"' in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Invoice, proforma.id).status == "unpaid"


def test_a_romanian_payers_tax_invoice_passes_e_factura(client, make, make_staff, login_staff, session):
    proforma = make.make_proforma(make.make_customer())
    login_staff(client, make_staff())
    resp = post_payment(client, proforma.code, {**PAYER, "payer_county": "RO-IS", "amount": str(proforma.total)})
    assert resp.status_code == 303
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == proforma.id))
    assert (tax.buyer["company_name"], tax.buyer["county"], tax.buyer["cui"]) == ("Plătitor SRL", "RO-IS", "34567892")
    xml = build_document(tax)
    assert xpath(xml, "//cac:AccountingCustomerParty//cbc:CountrySubentity") == ["RO-IS"]
    assert [str(f) for f in validate_document(xml)] == []


def test_an_eu_business_paying_is_checked_in_vies_and_gets_reverse_charge(client, make, make_staff, login_staff,
                                                                          session, fake_vies):
    proforma = make.make_proforma(make.make_customer(), amount="100.00")
    login_staff(client, make_staff())
    data = {"payer": "other", "payer_name": "Berliner Hosting GmbH", "payer_vat_number": "DE136695976",
            "payer_address": "Hauptstraße 1", "payer_city": "Berlin", "payer_country": "DE"}
    resp = post_payment(client, proforma.code, {**data, "amount": "121.00"})
    assert resp.status_code == 422 and "the total for this payer" in resp.get_data(as_text=True)
    resp = post_payment(client, proforma.code, {**data, "amount": "20.00"})
    assert resp.status_code == 303
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == proforma.id))
    assert (tax.vat_category, tax.currency, tax.total) == ("AE", "EUR", Decimal("20.00"))
    assert tax.buyer["vies"]["valid"] is True and fake_vies.requests[-1]["vatNumber"] == "136695976"
