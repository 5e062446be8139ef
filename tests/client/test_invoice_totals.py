"""The totals of the invoice document (page and PDF) show base and VAT once (issue 24 item 7)."""

import datetime as dt
import io
import re
from decimal import Decimal

import pytest
from pypdf import PdfReader

from hostico.billing.invoicing import LineSpec, create_proforma
from tests.client.test_invoices_pdf import pdf_text


def totals(html: str) -> str:
    return re.search(r'<table class="totals">(.*?)</table>', html, re.S).group(1)


def pdf_totals(data: bytes) -> str:
    """The PDF's totals: its text from the first totals label on (after the lines table), one space between words."""
    text = " ".join(pdf_text(data).split())
    return text[min(text.index(label) for label in ("Bază de impozitare", "Subtotal") if label in text):]


@pytest.mark.parametrize(("language", "subtotal", "vat"), [
    ("ro", "Subtotal (fără TVA)", "TVA (21%)"), ("en", "Subtotal (without VAT)", "VAT (21%)")])
def test_one_rate_shows_subtotal_vat_and_total_once(client, make, login_as, language, subtotal, vat):
    customer = make.make_customer(language=language)
    login_as(client, customer)
    inv = make.make_proforma(customer, amount="100.00")
    page = client.get(f"/invoices/{inv.code}").get_data(as_text=True)
    pdf = pdf_totals(client.get(f"/invoices/{inv.code}.pdf").data)
    vat_amount, total = ("21,00", "121,00") if language == "ro" else ("21.00", "121.00")
    for table in (totals(page), pdf):
        assert subtotal in table and vat in table and total in table
        assert "vat-base" not in table and "Bază de impozitare" not in table and "Total TVA" not in table
    assert totals(page).count(f">{vat_amount}") == 1 and pdf.count(f" {vat_amount} ") == 1  # the VAT once


def test_several_rates_show_each_rate_then_the_totals(client, make, session, settings, login_as):
    customer = make.make_customer(language="ro")
    login_as(client, customer)
    inv = create_proforma(session, customer, [LineSpec("Hosting", Decimal("100.00")),
                                              LineSpec("Carte", Decimal("50.00"), vat_rate=Decimal("9"))],
                          origin="system", settings=settings, today=dt.date.today())
    session.commit()
    page = client.get(f"/invoices/{inv.code}").get_data(as_text=True)
    pdf = pdf_totals(client.get(f"/invoices/{inv.code}.pdf").data)
    for table in (totals(page), pdf):
        for text in ("Bază de impozitare (cota TVA 21%)", "TVA (cota 21%)", "Bază de impozitare (cota TVA 9%)",
                     "TVA (cota 9%)", "Subtotal (fără TVA)", "Total TVA"):
            assert text in table, text


def test_pdf_dates_stay_on_one_line_and_every_text_is_in_the_embedded_font(client, make, login_as):
    customer = make.make_customer(language="ro")
    login_as(client, customer)
    inv = make.make_proforma(customer)
    reader = PdfReader(io.BytesIO(client.get(f"/invoices/{inv.code}.pdf").data))
    fonts: dict[str, set[str]] = {}

    def seen(text, _cm, _tm, font, _size):
        if text.strip() and font is not None:
            fonts.setdefault(text.strip(), set()).add(str(font["/BaseFont"]))

    lines = reader.pages[0].extract_text(visitor_text=seen).splitlines()
    day = inv.issue_date
    months = ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie",
              "octombrie", "noiembrie", "decembrie")
    assert f"Data emiterii {day.day} {months[day.month - 1]} {day.year}" in lines  # label and date, one line
    assert f"{inv.code} · 1/1" in lines  # the footer
    assert all(name.split("+")[-1].startswith("DejaVuSans") for names in fonts.values() for name in names)
    assert fonts[f"{inv.code} · 1/1"] and fonts[inv.code] == {next(iter(fonts[inv.code]))}
