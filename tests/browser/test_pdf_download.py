"""Browser: download an invoice's PDF from its page and read the buyer's data (with diacritics) in it."""

import io

from pypdf import PdfReader

from tests.browser.conftest import browser_login
from tests.factories import PASSWORD


def test_customer_downloads_the_invoice_pdf(page, make):
    customer = make.make_customer(name="Ștefan Țurcanu")
    profile = make.make_profile(customer, kind="company", company_name="Brâncuși Grădini SRL")
    invoice = make.make_proforma(customer, profile=profile, description="Hosting pentru grădină.ro")
    browser_login(page, customer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/invoices/{invoice.code}")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    download = info.value
    assert download.suggested_filename == f"{invoice.code}.pdf"
    with open(download.path(), "rb") as fh:
        data = fh.read()
    assert data.startswith(b"%PDF")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Brâncuși Grădini SRL" in text and invoice.code.split("-")[1].lstrip("0") in text
