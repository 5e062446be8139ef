"""Art. 319 alin. (20) Cod fiscal: every element a tax invoice must show, each checked on the invoice page and
in its PDF (pypdf's text), in Romanian as an accountant or an inspector reads it. Legal mentions are Romanian
in every language; the labels here are the Romanian catalogue's.

The main document: a tax invoice for a Romanian company, two units of one service, paid by bank transfer
on a day before the invoice was issued (so the collection date differs from the issue date). Mentions and
the lei lines of an EUR document come from documents for a company in another EU state (reverse charge), a
business outside the EU (not taxable in Romania) and a person in another EU state (Romanian VAT on an EUR
document).
"""

from __future__ import annotations

import datetime as dt
import html
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.models import ExchangeRate, ExchangeRateSync, Invoice, utcnow
from hostico.web.app_settings import settings as app_settings
from tests.client.test_invoices_pdf import pdf_text
from tests.conftest import reconfigure
from tests.factories import vies_answer

RENDERINGS = ("page", "pdf")
TODAY = dt.date.today()
PROFORMA_DAY = TODAY - dt.timedelta(days=6)
RECEIVED = TODAY - dt.timedelta(days=3)  # the money arrived three days before the tax invoice was issued
RO_COMPANY = dict(kind="company", company_name="Ștefănescu Web SRL", cui="34567892", reg_com="J12/3456/2015",
                  vat_number="RO34567892", address="Bd. 21 Decembrie 1989 nr. 77", city="Cluj-Napoca",
                  county="RO-CJ", postal_code="400604", country="RO")
DE_COMPANY = dict(kind="company", company_name="Berliner Hosting GmbH", cui="DE136695976", vat_number="DE136695976",
                  country="DE", address="Hauptstraße 1", city="Berlin", county=None, postal_code="10115",
                  vies=vies_answer("DE136695976"))
US_COMPANY = dict(kind="company", company_name="Example Inc.", cui="12-3456789", country="US",
                  address="1 Main Street", city="Springfield", county=None, postal_code="62701")
FR_PERSON = dict(kind="person", name="Jeanne Martin", country="FR", address="1 rue de Rivoli", city="Paris",
                 county=None, postal_code="75001")
MONTHS = ("ianuarie", "februarie", "martie", "aprilie", "mai", "iunie", "iulie", "august", "septembrie",
          "octombrie", "noiembrie", "decembrie")


def ro_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def flat(text: str) -> str:
    """The text as a reader sees it: one space between words (page markup and PDF line breaks alike)."""
    return " ".join(text.split())


def page_text(body: str) -> str:
    main = body[body.index("<section class=\"doc\""):body.index("</section>", body.index("<section class=\"doc\""))]
    return flat(html.unescape(re.sub(r"<[^>]+>", " ", main)))


def _tax_invoice(session, make, settings, profile_data: dict, *, lines: list[LineSpec], method="bank_transfer"):
    customer = make.make_customer(language="ro", billing=False)
    profile = make.make_profile(customer, is_default=True, **profile_data)
    proforma = create_proforma(session, customer, lines, origin="order", settings=settings, today=PROFORMA_DAY,
                               profile=profile)
    session.commit()
    payment = record_payment(session, proforma.id, amount=proforma.total, method=method, settings=settings,
                             today=TODAY, received_on=RECEIVED if method == "bank_transfer" else None,
                             reference="OP 1187")
    session.commit()
    return customer, session.get(Invoice, payment.tax_invoice_id)


def _render(client, login_as, customer, invoice, rendering: str) -> str:
    """The document's text, case-folded (the PDF prints headings in capitals)."""
    login_as(client, customer)
    if rendering == "page":
        resp = client.get(f"/invoices/{invoice.code}?lang=ro")
        assert resp.status_code == 200
        return page_text(resp.get_data(as_text=True)).casefold()
    resp = client.get(f"/invoices/{invoice.code}.pdf")
    assert resp.status_code == 200 and resp.mimetype == "application/pdf"
    return flat(pdf_text(resp.data)).casefold()


@pytest.fixture
def ro_invoice(session, make, settings):
    """A tax invoice for a Romanian company: 2 × 245,00 lei of hosting at 21 % VAT, paid by bank transfer."""
    return _tax_invoice(session, make, settings, RO_COMPANY,
                        lines=[LineSpec("Găzduire Business, magazin.ro, anual", Decimal("245.00"),
                                        quantity=Decimal("2"))])


@pytest.fixture
def document(client, login_as, ro_invoice, request):
    """(tax invoice, its text) on the page or in the PDF."""
    customer, invoice = ro_invoice
    return invoice, _render(client, login_as, customer, invoice, request.param)


each_rendering = pytest.mark.parametrize("document", RENDERINGS, indirect=True)


@each_rendering
def test_a_series_and_a_number(document):
    invoice, text = document
    assert "factură fiscală" in text
    assert f"seria {invoice.series} nr. {invoice.number:06d}".casefold() in text


@each_rendering
def test_b_issue_date(document):
    invoice, text = document
    assert f"data emiterii {ro_date(invoice.issue_date)}" in text


@each_rendering
def test_c_collection_date_of_a_bank_transfer(document):
    invoice, text = document
    assert invoice.collected_on == RECEIVED != invoice.issue_date
    assert f"data încasării {ro_date(RECEIVED)}" in text


@each_rendering
def test_d_seller_name_vat_code_trade_register_and_address(document):
    _, text = document
    seller = text[text.index("furnizor"):text.index("cumpărător")]
    assert "furnizor hostico srl cui/cif: ro18547290 nr. registrul comerțului: j40/12345/2006" in seller
    assert "str. exemplu nr. 1, bucurești, sector 1, 010101, românia" in seller


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_d_seller_share_capital(app, client, login_as, session, make, rendering):
    """Legea 31/1990 art. 74: a company's documents show its share capital (HOSTICO_SELLER_CAPITAL)."""
    reconfigure(app, SELLER_CAPITAL="45.000 lei")
    customer, invoice = _tax_invoice(session, make, app_settings(app).billing, RO_COMPANY,
                                     lines=[LineSpec("Găzduire Starter", Decimal("19.00"))])
    text = _render(client, login_as, customer, invoice, rendering)
    assert "furnizor hostico srl" in text and "capital social: 45.000 lei" in text


@each_rendering
def test_e_buyer_name_address_and_cui(document):
    _, text = document
    assert ("cumpărător ștefănescu web srl cui/cif: 34567892 nr. registrul comerțului: j12/3456/2015 "
            "cod de tva: ro34567892 bd. 21 decembrie 1989 nr. 77 400604 cluj-napoca, cluj românia") in text


@each_rendering
def test_f_description_of_the_service(document):
    _, text = document
    assert "descriere" in text and "găzduire business, magazin.ro, anual" in text


@each_rendering
def test_g_quantity(document):
    _, text = document
    assert "cant." in text
    assert "găzduire business, magazin.ro, anual 2 245,00 lei" in text  # the line: description, quantity, price


@each_rendering
def test_h_unit_price_without_vat(document):
    _, text = document
    assert "preț unitar (fără tva)" in text
    assert " 2 245,00 lei 490,00 lei" in text  # 245,00 × 2 = 490,00: the price is before VAT


@each_rendering
def test_i_taxable_base_per_vat_rate(document):
    _, text = document
    assert "valoare (fără tva)" in text
    # one rate: the subtotal is its taxable base (the per-rate rows only with several rates, test_invoice_totals.py)
    assert "subtotal (fără tva) 490,00 lei" in text and "bază de impozitare" not in text


@each_rendering
def test_j_vat_rate(document):
    _, text = document
    assert "cota tva" in text
    assert "490,00 lei 21% 102,90 lei" in text  # on the line: value, rate, VAT


@each_rendering
def test_k_vat_amount_per_rate_and_in_total(document):
    _, text = document
    assert "tva (21%) 102,90 lei" in text  # one rate: its VAT is the total VAT, shown once


@each_rendering
def test_l_totals(document):
    _, text = document
    assert "subtotal (fără tva) 490,00 lei" in text
    assert "tva (21%) 102,90 lei total 592,90 lei" in text


# Mentions and the lei lines of documents for buyers outside Romania (place of supply, art. 278).

def _rates(session) -> list[dt.date]:
    """BNR's EUR rate for every weekday of the last three weeks, as the worker would have stored them."""
    days = [TODAY - dt.timedelta(days=n) for n in range(21, 0, -1) if (TODAY - dt.timedelta(days=n)).weekday() < 5]
    session.add_all([ExchangeRate(day=day, currency="EUR", rate=Decimal("5.0917"), multiplier=1) for day in days])
    session.add(ExchangeRateSync(fetched_at=utcnow(), latest_day=days[-1]))
    session.commit()
    return days


@pytest.fixture
def foreign_document(client, login_as, session, make, settings, request):
    """(tax invoice, its text) for a buyer abroad: request.param = (buyer data, rendering)."""
    buyer, rendering = request.param
    _rates(session)
    customer, invoice = _tax_invoice(session, make, settings, buyer,
                                     lines=[LineSpec("Cloud VPS, vps.example, lunar", Decimal("19.00"),
                                                     currency="EUR")])
    return invoice, _render(client, login_as, customer, invoice, rendering)


def _each(buyer):
    return pytest.mark.parametrize("foreign_document", [(buyer, r) for r in RENDERINGS], indirect=True, ids=RENDERINGS)


@_each(DE_COMPANY)
def test_m_reverse_charge_mention_with_the_buyers_vat_code(foreign_document):
    invoice, text = foreign_document
    assert (invoice.currency, invoice.vat_total) == ("EUR", Decimal("0.00"))
    assert "taxare inversă" in text
    assert "cod de tva: de136695976" in text
    assert "tva (0%) 0,00 eur" in text


@_each(US_COMPANY)
def test_m_not_taxable_in_romania_mention(foreign_document):
    invoice, text = foreign_document
    assert invoice.vat_total == Decimal("0.00")
    assert "neimpozabil în românia (art. 278 alin. 2 cod fiscal)" in text


@pytest.mark.parametrize("rendering", RENDERINGS)
def test_m_a_seller_outside_vat_charges_none_and_says_so(app, client, login_as, session, make, rendering):
    reconfigure(app, SELLER_VAT_PAYER=False, SELLER_CUI="18547290")
    customer, invoice = _tax_invoice(session, make, app_settings(app).billing, RO_COMPANY,
                                     lines=[LineSpec("Găzduire Starter", Decimal("19.00"))])
    text = _render(client, login_as, customer, invoice, rendering)
    assert invoice.vat_total == Decimal("0.00")
    assert "neplătitor de tva" in text and "total 19,00 lei" in text


@_each(FR_PERSON)
def test_n_an_eur_document_shows_its_vat_and_total_in_lei_with_the_bnr_rate_and_its_date(foreign_document,
                                                                                        session):
    invoice, text = foreign_document
    assert (invoice.currency, invoice.vat_total, invoice.total) == ("EUR", Decimal("3.99"), Decimal("22.99"))
    # art. 290: the rate BNR published last before the chargeable event (the day the money arrived)
    published = max(day for day in _stored_days(session) if day < RECEIVED)
    assert invoice.rate_date == published
    assert "total tva în lei 20,32 lei" in text and "total în lei 117,06 lei" in text  # 3,99 / 22,99 × 5,0917
    assert f"curs bnr: 1 eur = 5,0917 lei, publicat la {ro_date(published)}." in text


def _stored_days(session) -> list[dt.date]:
    return list(session.scalars(select(ExchangeRate.day).where(ExchangeRate.currency == "EUR")))
