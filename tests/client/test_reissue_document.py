"""The reissue's page and PDF cite the cancelled invoice and its storno; a printed conversion on an EUR tax invoice
adds up: it shows the rate the line was converted at, while the document states the collection day's rate."""

from decimal import Decimal

from hostico.billing.corrections import credit_tax_invoice, reissue_tax_invoice
from tests.billing.test_reissue_treatment import GERMAN, TUESDAY, paid
from tests.client.test_invoices_pdf import pdf_text


def test_the_reissue_cites_the_cancelled_invoice_and_its_storno_on_the_page_and_the_pdf(
        client, session, make, settings, login_as):
    customer, tax = paid(session, make, settings)
    storno = credit_tax_invoice(session, tax, settings=settings, today=TUESDAY, reason="wrong buyer")
    profile = make.make_profile(customer, **GERMAN)
    again = reissue_tax_invoice(session, tax, settings=settings, today=TUESDAY, staff_id=1, buyer=profile.snapshot())
    session.commit()
    login_as(client, customer)
    page = client.get(f"/invoices/{again.code}?lang=en").get_data(as_text=True)
    assert f"Replaces tax invoice {tax.code} of" in page and f"cancelled by {storno.code}" in page
    assert f"Credit note {storno.code} of" in page
    text = " ".join(pdf_text(client.get(f"/invoices/{again.code}.pdf").data).split())
    assert tax.code in text and storno.code in text
    original = client.get(f"/invoices/{tax.code}?lang=en").get_data(as_text=True)
    assert "Replaces tax invoice" not in original


def test_a_printed_conversion_on_an_eur_tax_invoice_adds_up(client, session, make, settings, login_as):
    customer, tax = paid(session, make, settings, dict(GERMAN, kind="person", name="Hans Meier", vies=None))
    session.commit()
    assert (tax.currency, tax.vat_category, tax.lines[0].unit_price) == ("EUR", "S", Decimal("19.64"))
    login_as(client, customer)
    page = client.get(f"/invoices/{tax.code}?lang=ro").get_data(as_text=True)
    assert "÷ 5,0917 = 19,64" in page  # 100,00 lei ÷ 5,0917 = 19,64 EUR: the line's own conversion
    assert "÷ 5,1000" not in page
    assert "1 EUR = 5,1000 lei" in page  # the document's rate: the day before the collection date
    text = pdf_text(client.get(f"/invoices/{tax.code}.pdf").data)
    assert "5,0917" in text and "5,1000" in text
