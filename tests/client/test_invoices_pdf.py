"""Invoice PDFs: drawn with reportlab in an embedded Unicode font, text as typed, long invoices over several pages,
kept bytes for tax invoices."""

import datetime as dt
import io
import threading
from decimal import Decimal

import pytest
from pypdf import PdfReader

from hostico.billing.corrections import credit_tax_invoice
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.models import Invoice, InvoicePdf
from hostico.web import pdf as pdf_module
from hostico.web import pdf_canvas, pdf_invoice


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


def test_markup_is_drawn_as_text(client, make, customer):
    name = '<img src="http://169.254.169.254/x"><link rel=stylesheet href="file:///etc/passwd"> SRL'
    profile = make.make_profile(customer, kind="company", company_name=name)
    inv = make.make_proforma(customer, profile=profile)
    text = pdf_text(client.get(f"/invoices/{inv.code}.pdf").data)
    flat = "".join(text.split())
    assert '<imgsrc="http://169.254.169.254/x"><linkrel=stylesheethref="file:///etc/passwd">SRL' in flat


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


def test_the_fonts_are_registered_once_per_process(client, make, customer, monkeypatch):
    registered = []
    real = pdf_canvas.pdfmetrics.registerFont
    monkeypatch.setattr(pdf_canvas.pdfmetrics, "registerFont", lambda font: registered.append(font) or real(font))
    monkeypatch.setattr(pdf_canvas, "_fonts_ready", False)  # as in a new process
    first, second = make.make_proforma(customer), make.make_proforma(customer)
    texts = [pdf_text(client.get(f"/invoices/{inv.code}.pdf").data) for inv in (first, second)]
    assert sorted(font.fontName for font in registered) == ["DejaVuSans", "DejaVuSans-Bold"]
    assert first.code in texts[0] and second.code in texts[1]


def test_a_romanian_tax_invoice_has_its_diacritics_in_the_embedded_fonts(client, make, session, settings, login_as):
    customer = make.make_customer(language="ro", name="Ștefan Țurcanu")
    login_as(client, customer)
    proforma = make.make_proforma(customer, description="Găzduire web, domeniu ștefănescu.ro")
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                   today=dt.date.today())
    session.commit()
    data = client.get("/invoices/HST-000001.pdf").data
    text = " ".join(pdf_text(data).split())  # the description may wrap
    assert "Factură fiscală" in text and "Găzduire web, domeniu ștefănescu.ro" in text and "Ștefan Țurcanu" in text
    assert "ș" in text and "ț" in text.lower() and "ă" in text and "î" in text.lower()
    embedded = {name.split("+")[-1] for name in pdf_fonts(data)}
    assert embedded == {"DejaVuSans", "DejaVuSans-Bold"}  # the title and the names in bold, the rest regular


def test_sixty_lines_flow_onto_further_pages_each_with_the_table_header_and_the_footer(client, make, session,
                                                                                     settings, customer):
    long = "cu o descriere lungă care trebuie să treacă pe mai multe rânduri în coloana ei"
    lines = [LineSpec(f"Găzduire {n} {long if n % 3 == 0 else ''}".strip(), Decimal("10.00") + n) for n in range(1, 61)]
    inv = create_proforma(session, customer, lines, origin="system", settings=settings, today=dt.date.today())
    session.commit()
    reader = PdfReader(io.BytesIO(client.get(f"/invoices/{inv.code}.pdf").data))
    pages = [" ".join(page.extract_text().split()) for page in reader.pages]
    assert len(pages) >= 2
    for number, text in enumerate(pages, 1):
        assert text.endswith(f"{inv.code} · {number}/{len(pages)}")  # the footer on every page
        assert "Descriere / Description" in text  # the lines table's header again on every page
    everything = " ".join(pages)
    for n in range(1, 61):  # every line, its long description whole (wrapped: one space between words)
        assert f"Găzduire {n} {long if n % 3 == 0 else ''}".strip() + " 1 " in everything, n
    assert everything.index("Găzduire 60") > everything.index("Găzduire 1 ")
    assert "Total de plată / Total to pay" in pages[-1] and "Total de plată" not in pages[0]


def test_drawings_in_several_threads_at_once_are_whole(app, make, customer, session):
    inv = session.get(Invoice, make.make_proforma(customer, description="Găzduire").id)
    context = {**pdf_module.totals_context(inv), "related": {}, "card_paid": None, "line_rates": {}}
    results: list[bytes] = []

    def draw() -> None:
        with app.app_context():
            results.append(pdf_module.render_invoice_pdf(inv, "ro", **context))

    threads = [threading.Thread(target=draw) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for data in results:
        assert "Găzduire" in pdf_text(data) and inv.code in pdf_text(data)


def test_each_part_is_drawn_above_the_next_when_the_title_wraps(app, make, customer, session, settings):
    """An English reader's credit note has the longest title ("Factură de stornare / Credit note"): it wraps, and
    everything after it moves down with it."""
    proforma = make.make_proforma(customer, amount="100.00")
    payment = record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                             today=dt.date.today())
    tax = session.get(Invoice, payment.tax_invoice_id)
    note = credit_tax_invoice(session, tax, settings=settings, today=dt.date.today(), reason="discount",
                              amount=Decimal("12.10"))
    session.commit()
    context = {**pdf_module.totals_context(note), "related": {"corrects": tax}, "card_paid": None, "line_rates": {}}
    pdf_canvas.register_fonts()
    drawing = pdf_invoice.InvoiceDrawing(note, "en", context)
    with app.app_context():
        for part in ("head", "parties", "sentences", "lines", "totals", "exchange", "mentions"):
            drawn = len(drawing.flow.pages[0])
            getattr(drawing, part)()
            texts = [op for op in drawing.flow.pages[0][drawn:] if op[0] == "T"]
            assert all(op[2] > drawing.flow.y for op in texts), part  # the cursor is below all it drew
    assert len(drawing.flow.pages) == 1
    title = [op[3] for op in drawing.flow.pages[0] if op[0] == "T" and op[4] is pdf_invoice.KIND_OTHER]
    assert len(title) == 2  # "/ Credit" and "note": the title did wrap
