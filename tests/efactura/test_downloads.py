"""Customers download their tax invoices' and credit notes' XML; `efactura export` prints it."""

from __future__ import annotations

from hostico.efactura.validate import validate_document


def test_customer_downloads_the_xml_of_a_tax_invoice_and_a_credit_note(client, login_as, issue, session):
    tax, note = issue("ro_company", credit=True)
    from hostico.models import Customer

    login_as(client, session.get(Customer, tax.customer_id))
    page = client.get(f"/invoices/{tax.code}")
    assert f"/invoices/{tax.code}.xml" in page.get_data(as_text=True)
    for document, root in ((tax, b"<Invoice "), (note, b"<CreditNote ")):
        response = client.get(f"/invoices/{document.code}.xml")
        assert response.status_code == 200 and response.mimetype == "application/xml"
        assert f'filename="{document.code}.xml"' in response.headers["Content-Disposition"]
        assert root in response.data and validate_document(response.data) == []


def test_no_xml_for_a_proforma_nor_for_another_customers_invoice(client, login_as, issue, make, session):
    tax, _ = issue("ro_company")
    other = make.make_customer()
    login_as(client, other)
    assert client.get(f"/invoices/{tax.code}.xml").status_code == 404
    proforma = make.make_proforma(other, profile=make.make_profile(other))
    assert client.get(f"/invoices/{proforma.code}.xml").status_code == 404
    assert f"/invoices/{proforma.code}.xml" not in client.get(f"/invoices/{proforma.code}").get_data(as_text=True)


def test_efactura_export_prints_the_validated_xml(runner, issue):
    tax, note = issue("ro_company_bucharest", credit=True)
    result = runner.invoke(args=["efactura", "export", tax.code])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("<?xml") and f"<cbc:ID>{tax.code}</cbc:ID>" in result.output
    assert validate_document(result.output.encode()) == []
    assert "<CreditNote" in runner.invoke(args=["efactura", "export", note.code]).output


def test_efactura_export_refuses_unknown_numbers_and_proformas(runner, make):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, profile=make.make_profile(customer))
    for number in ("HST-999999", proforma.code):
        result = runner.invoke(args=["efactura", "export", number])
        assert result.exit_code != 0 and "No tax invoice or credit note" in result.output
