"""The totals of the invoice document (page and PDF HTML) show base and VAT once (issue 24 item 7)."""

import datetime as dt
import re
from decimal import Decimal

import pytest

from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.web import pdf as pdf_module


def totals(html: str) -> str:
    return re.search(r'<table class="totals">(.*?)</table>', html, re.S).group(1)


@pytest.mark.parametrize(("language", "subtotal", "vat"), [
    ("ro", "Subtotal (fără TVA)", "TVA (21%)"), ("en", "Subtotal (without VAT)", "VAT (21%)")])
def test_one_rate_shows_subtotal_vat_and_total_once(client, make, login_as, pdf_html, language, subtotal, vat):
    customer = make.make_customer(language=language)
    login_as(client, customer)
    inv = make.make_proforma(customer, amount="100.00")
    page = client.get(f"/invoices/{inv.code}").get_data(as_text=True)
    client.get(f"/invoices/{inv.code}.pdf")
    for html in (page, pdf_html[-1]):
        table = totals(html)
        vat_amount, total = ("21,00", "121,00") if language == "ro" else ("21.00", "121.00")
        assert subtotal in table and vat in table and total in table
        assert "vat-base" not in table and "Bază de impozitare" not in table and "Total TVA" not in table
        assert table.count(f">{vat_amount}") == 1  # the VAT once


def test_several_rates_show_each_rate_then_the_totals(client, make, session, settings, login_as, pdf_html):
    customer = make.make_customer(language="ro")
    login_as(client, customer)
    inv = create_proforma(session, customer, [LineSpec("Hosting", Decimal("100.00")),
                                              LineSpec("Carte", Decimal("50.00"), vat_rate=Decimal("9"))],
                          origin="system", settings=settings, today=dt.date.today())
    session.commit()
    page = client.get(f"/invoices/{inv.code}").get_data(as_text=True)
    client.get(f"/invoices/{inv.code}.pdf")
    for html in (page, pdf_html[-1]):
        table = totals(html)
        for text in ("Bază de impozitare (cota TVA 21%)", "TVA (cota 21%)", "Bază de impozitare (cota TVA 9%)",
                     "TVA (cota 9%)", "Subtotal (fără TVA)", "Total TVA"):
            assert text in table, text


def test_pdf_dates_do_not_wrap_and_footer_uses_the_body_font(app, client, make, login_as, pdf_html):
    customer = make.make_customer(language="ro")
    login_as(client, customer)
    inv = make.make_proforma(customer)
    client.get(f"/invoices/{inv.code}.pdf")
    html = pdf_html[-1]
    stylesheet = app.jinja_env.loader.get_source(app.jinja_env, pdf_module.STYLESHEET)[0]  # the PDF's own CSS
    assert re.search(r"\.doc-dates dd[^{]*\{[^}]*white-space: nowrap", stylesheet)
    bottom = re.search(r"@bottom-right \{([^}]*)\}", html).group(1)
    assert 'font-family: "DejaVu Sans"' in bottom
