"""Invoice PDFs: WeasyPrint with an embedded Unicode font, escaped text, kept bytes for tax invoices."""

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from hostico.billing.payments import record_payment
from hostico.models import InvoicePdf
from hostico.web import pdf as pdf_module


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def pdf_fonts(data: bytes) -> set[str]:
    reader = PdfReader(io.BytesIO(data))
    names = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font.get("/FontDescriptor") or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            descriptor = descriptor.get_object()
            if any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                names.add(str(font["/BaseFont"]))
    return names


@pytest.fixture
def customer(make, client, login_as):
    c = make.make_customer(name="Ion Ștefănescu")
    login_as(client, c)
    return c


def test_proforma_pdf_contains_buyer_data_with_diacritics(client, make, customer):
    profile = make.make_profile(customer, name="Ion Ștefănescu", address="Str. Țării nr. 3, ap. 2", city="Iași",
                                county="Iași")
    inv = make.make_proforma(customer, profile=profile, amount="100.00", description="Găzduire web — plan Î")
    resp = client.get(f"/invoices/{inv.code}.pdf")
    assert resp.status_code == 200
    assert resp.mimetype == "application/pdf"
    assert inv.code in resp.headers["Content-Disposition"]
    text = pdf_text(resp.data)
    for expected in ("Ștefănescu", "Str. Țării nr. 3", "Iași", "Găzduire web — plan Î", inv.code, "121.00",
                     "Hostico SRL", "RO49AAAA1B31007593840000"):
        assert expected in text, expected
    assert any("DejaVu" in name for name in pdf_fonts(resp.data))  # the Unicode font is embedded


def test_markup_in_the_company_name_is_text_in_the_pdf(client, make, customer):
    profile = make.make_profile(customer, kind="company", company_name="<script>alert(1)</script> SRL")
    inv = make.make_proforma(customer, profile=profile)
    text = pdf_text(client.get(f"/invoices/{inv.code}.pdf").data)
    assert "<script>alert(1)</script> SRL" in text


def test_markup_cannot_load_anything_while_rendering(client, make, customer):
    name = '<img src="http://169.254.169.254/x"><link rel=stylesheet href="file:///etc/passwd"> SRL'
    profile = make.make_profile(customer, kind="company", company_name=name)
    inv = make.make_proforma(customer, profile=profile)
    # the long value wraps anywhere in the PDF: compare without whitespace
    text = "".join(pdf_text(client.get(f"/invoices/{inv.code}.pdf").data).split())
    assert '<imgsrc="http://169.254.169.254/x"><linkrel=stylesheethref="file:///etc/passwd">SRL' in text
    fetcher = pdf_module.no_fetch_fetcher()
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch("http://169.254.169.254/x")


def test_tax_invoice_pdf_is_rendered_once_and_kept(client, make, customer, session, settings, monkeypatch):
    inv = make.make_proforma(customer)
    record_payment(session, inv.id, amount=inv.total, method="card", settings=settings, today=dt.date.today())
    session.commit()
    first = client.get("/invoices/HST-000001.pdf")
    assert first.status_code == 200
    assert "HST-000001" in pdf_text(first.data)
    assert session.get(InvoicePdf, 2) is not None  # the tax invoice is invoice id 2

    def must_not_render(*args, **kwargs):
        raise AssertionError("a kept PDF was rendered again")

    monkeypatch.setattr(pdf_module, "render_invoice_pdf", must_not_render)
    again = client.get("/invoices/HST-000001.pdf")  # must_not_render proves it is the kept copy
    assert again.data == first.data


def test_proforma_pdf_follows_billing_changes(client, make, customer, session):
    inv = make.make_proforma(customer)
    before = pdf_text(client.get(f"/invoices/{inv.code}.pdf").data)
    assert customer.name in before
    inv = session.merge(inv)
    inv.buyer = {**inv.buyer, "name": "Maria Țurcanu"}
    session.commit()
    after = pdf_text(client.get(f"/invoices/{inv.code}.pdf").data)
    assert "Maria Țurcanu" in after
    assert session.query(InvoicePdf).count() == 0  # proformas are never kept


def test_the_pdf_stylesheet_is_parsed_once_per_process_and_applied(client, make, customer, monkeypatch):
    import weasyprint

    parsed, used = [], []
    real_write_pdf = weasyprint.HTML.write_pdf

    class CountingCSS(weasyprint.CSS):
        def __init__(self, *args, **kwargs):
            parsed.append(kwargs.get("string", ""))
            super().__init__(*args, **kwargs)

    def write_pdf(self, *args, **kwargs):
        used.append(kwargs.get("stylesheets"))
        return real_write_pdf(self, *args, **kwargs)

    monkeypatch.setattr(weasyprint, "CSS", CountingCSS)
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", write_pdf)
    monkeypatch.setattr(pdf_module, "_stylesheet", None)  # as in a new process
    first, second = make.make_proforma(customer), make.make_proforma(customer)
    texts = [pdf_text(client.get(f"/invoices/{inv.code}.pdf").data) for inv in (first, second)]
    assert len(parsed) == 1 and "@page { size: A4" in parsed[0]  # templates/pdf/invoice.css, parsed once
    assert len(used) == 2 and used[0] == used[1] and isinstance(used[0][0], CountingCSS)  # and given to both
    assert first.code in texts[0] and second.code in texts[1]
