"""Accounting documents of English-language customers are bilingual, Romanian first (issue 22 item 6): Romanian is
required on the document, English stands beside it; a Romanian customer's document stays Romanian only."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from hostico.billing.payments import record_payment


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def tax_invoice(make, session, settings):
    def do(client, login_as, language):
        customer = make.make_customer(language=language)
        login_as(client, customer)
        proforma = make.make_proforma(customer)
        record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                       today=dt.date.today())
        session.commit()
        return "HST-000001"
    return do


PAIRS = (("Factură fiscală", "Tax invoice"), ("Data emiterii", "Issue date"), ("Furnizor", "Seller"),
         ("Cumpărător", "Buyer"), ("Seria", "Series"))


def test_an_english_customers_tax_invoice_pdf_is_romanian_first_with_english_beside(client, login_as, tax_invoice):
    code = tax_invoice(client, login_as, "en")
    data = client.get(f"/invoices/{code}.pdf").data
    text = " ".join(pdf_text(data).split()).lower()  # headings are upper-cased, labels may wrap
    for romanian, english in ((r.lower(), e.lower()) for r, e in PAIRS):
        assert romanian in text and english in text, (romanian, english)
        assert text.index(romanian) < text.index(english), (romanian, english)
    assert "data emiterii / issue date" in text  # readable: one label, the translation after a slash


def test_a_romanian_customers_pdf_is_romanian_only(client, login_as, tax_invoice):
    code = tax_invoice(client, login_as, "ro")
    text = " ".join(pdf_text(client.get(f"/invoices/{code}.pdf").data).split())
    assert "Data emiterii" in text and "Issue date" not in text and "Tax invoice" not in text


def test_the_invoice_page_and_proforma_mention_are_bilingual(client, login_as, make):
    customer = make.make_customer(language="en")
    login_as(client, customer)
    proforma = make.make_proforma(customer)
    page = client.get(f"/invoices/{proforma.code}").get_data(as_text=True)
    assert ('<span lang="ro">Data emiterii</span> <span class="other-language" lang="en">/ Issue date</span>'
            in page)
    assert "Factura proformă nu este factură fiscală." in page
    assert page.index("Factura proformă nu este factură fiscală.") < page.index("A proforma invoice is not a tax")
    assert "CUI/CIF / CUI/CIF" not in page  # a label the same in both languages is written once


def test_an_email_about_an_invoice_is_romanian_first_for_an_english_customer(make, session, app):
    from hostico.models import OutboxMessage
    from hostico.notify.events import notify
    from hostico.notify.render import render_email
    from hostico.web.app_settings import settings as app_settings

    for language in ("en", "ro"):
        customer = make.make_customer(language=language)
        proforma = make.make_proforma(customer)
        [msg] = notify(session, "proforma_order", customer, invoice=proforma)
        rendered = render_email(session, session.get(OutboxMessage, msg.id), app_settings(app).notify,
                                dt.datetime.now(dt.UTC))
        if language == "ro":
            assert "for your order" not in rendered.subject + rendered.text
            continue
        assert rendered.subject.index("pentru comanda") < rendered.subject.index("for your order")
        assert rendered.text.index("Bună ziua") < rendered.text.index("Hello")
        html = rendered.html
        assert html.count("<html") == 1 and html.index("Bună ziua") < html.index('<div lang="en">')
