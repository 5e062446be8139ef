"""The seller on documents (docs/fiscal.md, The seller): a seller not registered for VAT charges none and prints
"Neplătitor de TVA"; the share capital (Legea 31/1990 art. 74) is printed on every document."""

import datetime as dt
from decimal import Decimal

import pytest

from hostico.billing.payments import record_payment
from hostico.efactura.ubl import build_document
from hostico.efactura.validate import validate_document
from hostico.models import Invoice
from hostico.web.app_settings import settings as app_settings
from tests.client.test_invoices_pdf import pdf_text
from tests.conftest import reconfigure
from tests.efactura.test_documents import xpath

TODAY = dt.date(2026, 6, 1)


@pytest.fixture
def customer(make, client, login_as):
    c = make.make_customer()
    login_as(client, c)
    return c


def pages(client, code):
    page = client.get(f"/invoices/{code}").get_data(as_text=True)
    pdf = " ".join(pdf_text(client.get(f"/invoices/{code}.pdf").data).split())
    return page, pdf


def test_seller_not_registered_for_vat_charges_none_and_says_so(app, client, make, session, customer):
    reconfigure(app, SELLER_VAT_PAYER=False, SELLER_CUI="18547290")
    settings = app_settings(app).billing
    profile = make.make_profile(customer, county="RO-BV")
    proforma = make.make_proforma(customer, profile=profile, amount="100.00", today=TODAY, settings=settings)
    assert (proforma.vat_category, proforma.vat_total, proforma.total) == ("O", Decimal("0.00"), Decimal("100.00"))
    assert proforma.vat_mention == "Neplătitor de TVA" and proforma.seller["vat_payer"] == "0"
    payment = record_payment(session, proforma.id, amount=Decimal("100.00"), method="card", settings=settings,
                             today=TODAY)
    session.commit()
    tax = session.get(Invoice, payment.tax_invoice_id)
    page, pdf = pages(client, tax.code)
    assert "Neplătitor de TVA" in page and "Neplătitor de TVA" in pdf
    xml = build_document(tax)
    assert xpath(xml, "//cac:TaxSubtotal/cac:TaxCategory/cbc:ID") == ["O"]
    assert xpath(xml, "//cac:TaxSubtotal//cbc:TaxExemptionReason") == ["Neplătitor de TVA"]
    assert xpath(xml, "//cac:AccountingSupplierParty//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']") == []
    assert [str(f) for f in validate_document(xml)] == []


def test_a_vat_payer_prints_no_such_mention(client, make, customer):
    proforma = make.make_proforma(customer, amount="100.00")
    page, pdf = pages(client, proforma.code)
    assert "Neplătitor" not in page and "Neplătitor" not in pdf
    assert proforma.vat_total == Decimal("21.00")


def test_share_capital_is_printed_on_page_pdf_and_e_factura(app, client, make, session, customer):
    reconfigure(app, SELLER_CAPITAL="45.000 lei")
    settings = app_settings(app).billing
    proforma = make.make_proforma(customer, profile=make.make_profile(customer, county="RO-BV"), amount="10.00",
                                  today=TODAY, settings=settings)
    page, pdf = pages(client, proforma.code)
    # an English-language customer's document: Romanian first, English beside it
    assert ('<span lang="ro">Capital social</span> <span class="other-language" lang="en">/ Share capital</span>: '
            "45.000 lei") in page
    assert "Capital social / Share capital: 45.000 lei" in pdf
    payment = record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                             today=TODAY)
    session.commit()
    tax = session.get(Invoice, payment.tax_invoice_id)
    assert xpath(build_document(tax), "//cbc:CompanyLegalForm") == ["Capital social: 45.000 lei"]
    romanian = client.get(f"/invoices/{tax.code}?lang=ro").get_data(as_text=True)
    assert "Capital social: 45.000 lei" in romanian
