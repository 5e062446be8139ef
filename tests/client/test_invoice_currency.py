"""The invoice document (page and PDF) shows the BNR conversion, the VAT in lei of an EUR document,
the collection date, and a credit note's reference to the original's number and date (docs/fiscal.md)."""

import datetime as dt
from decimal import Decimal

from hostico.billing.corrections import credit_tax_invoice
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.models import ExchangeRate, Invoice
from tests.client.test_invoices_pdf import pdf_text

TODAY = dt.date.today()


def _rate(session, value="5.0917"):
    # Published yesterday or earlier: the rate of today's documents once the feed was read today.
    from hostico.models import ExchangeRateSync, utcnow

    session.add(ExchangeRate(day=TODAY - dt.timedelta(days=1), currency="EUR", rate=Decimal(value), multiplier=1))
    session.add(ExchangeRateSync(fetched_at=utcnow(), latest_day=TODAY - dt.timedelta(days=1)))
    session.commit()


def test_an_eur_price_on_a_romanian_tax_invoice_shows_the_conversion_and_collection_date(
        client, session, make, settings, login_as):
    c = make.make_customer(language="ro")
    login_as(client, c)
    _rate(session)
    profile = make.make_profile(c)
    proforma = create_proforma(session, c, [LineSpec("Cloud VPS", Decimal("19.00"), currency="EUR")],
                               origin="order", settings=settings, today=TODAY, profile=profile)
    payment = record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                             today=TODAY, received_on=TODAY)
    session.commit()
    tax = session.get(Invoice, payment.tax_invoice_id)
    page = client.get(f"/invoices/{tax.code}?lang=ro").get_data(as_text=True)
    assert "19,00" in page and "× 5,0917 = 96,74" in page
    assert 'class="collected-on"' in page
    text = pdf_text(client.get(f"/invoices/{tax.code}.pdf").data)
    assert "5,0917" in text and "96,74" in text


def test_an_eur_document_with_romanian_vat_shows_vat_and_total_in_lei(client, session, make, settings, login_as):
    c = make.make_customer()
    login_as(client, c)
    _rate(session)
    profile = make.make_profile(c, country="DE", city="Berlin", county=None, postal_code="10115", cnp=None)
    proforma = create_proforma(session, c, [LineSpec("Cloud VPS", Decimal("19.00"), currency="EUR")],
                               origin="order", settings=settings, today=TODAY, profile=profile)
    payment = record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                             today=TODAY)
    session.commit()
    tax = session.get(Invoice, payment.tax_invoice_id)
    assert (tax.vat_total_ron, tax.total_ron) == (Decimal("20.32"), Decimal("117.06"))
    page = client.get(f"/invoices/{tax.code}?lang=en").get_data(as_text=True)
    assert "VAT total in lei" in page and "20.32" in page and "117.06" in page
    assert "BNR exchange rate: 1 EUR = 5.0917 lei" in page
    text = pdf_text(client.get(f"/invoices/{tax.code}.pdf").data)
    assert "117.06" in text and "5.0917" in text


def test_a_credit_note_cites_the_original_number_and_date(client, session, make, settings, login_as):
    c = make.make_customer()
    login_as(client, c)
    proforma = make.make_proforma(c, amount="100.00")
    payment = record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                             today=TODAY)
    tax = session.get(Invoice, payment.tax_invoice_id)
    note = credit_tax_invoice(session, tax, settings=settings, today=TODAY, reason="discount", amount=Decimal("12.10"))
    session.commit()
    page = client.get(f"/invoices/{note.code}?lang=en").get_data(as_text=True)
    assert f"Corrects tax invoice {tax.code} of" in page
    assert "12.10" in page
