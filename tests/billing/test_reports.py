"""The accountant's desk (docs/reports.md): the sales journal by chargeable event in lei, the VAT summary
(D300/D390 inputs), the CSV/XLSX files that are byte-identical for the same month, the SAGA C import file
checked against the format's published field list, and the OSS threshold count."""

import datetime as dt
import io
import time
from decimal import Decimal

import pytest
from lxml import etree
from sqlalchemy import update

from hostico.billing.credit_notes import issue_credit_note
from hostico.billing.invoicing import LineSpec, create_proforma
from hostico.billing.payments import record_payment
from hostico.billing.reports import oss_status, parse_month, sales_journal, vat_summary
from hostico.billing.reports.files import journal_csv, journal_xlsx, summary_csv
from hostico.billing.reports.journal import ReportError
from hostico.billing.reports.saga import HEADER_FIELDS, LINE_FIELDS, saga_xml
from hostico.models import ExchangeRate, Invoice
from tests.factories import vies_answer

MAY = dt.date(2026, 5, 1)
ADDRESS = dict(address="1 rue de Rivoli", city="Paris", county=None, postal_code="75001")
FR_PERSON = dict(kind="person", name="Jeanne Martin", country="FR", **ADDRESS)
DE_COMPANY = dict(kind="company", company_name="Berliner Hosting GmbH", cui="DE136695976", vat_number="DE136695976",
                  country="DE", address="Hauptstraße 1", city="Berlin", county=None, postal_code="10115",
                  vies=vies_answer("DE136695976"))
US_COMPANY = dict(kind="company", company_name="Example Inc.", cui="12-3456789", country="US", address="1 Main St",
                  city="Springfield", county=None, postal_code="62701")


def paid(session, settings, make, profile=None, *, amount="100.00", proforma_day=dt.date(2026, 5, 20),
         received=dt.date(2026, 5, 29), issued=dt.date(2026, 6, 1), specs=None):
    """A tax invoice for a proforma paid by transfer on `received`, recorded (issued) on `issued`."""
    customer = make.make_customer()
    if profile is not None:
        kind = profile.get("kind", "person")
        profile = make.make_profile(customer, **{**profile, "kind": kind})
    if specs is None:
        proforma = make.make_proforma(customer, profile=profile, amount=amount, today=proforma_day)
    else:
        proforma = create_proforma(session, customer, specs, origin="order", settings=settings, today=proforma_day,
                                   profile=profile)
    payment = record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                             today=issued, received_on=received)
    session.commit()
    return session.get(Invoice, payment.tax_invoice_id)


@pytest.fixture
def month(session, settings, make):
    """May 2026: a Romanian person (RON, 21%), a French person (EUR, Romanian VAT, lei printed), a German
    company (EUR, reverse charge, priced in EUR: no rate stored), a US company (O), a credit note; and an
    invoice collected on 1 June that belongs to June."""
    ro = paid(session, settings, make, amount="121.00", received=dt.date(2026, 5, 29))
    fr = paid(session, settings, make, FR_PERSON, received=dt.date(2026, 5, 28))
    de = paid(session, settings, make, DE_COMPANY, received=dt.date(2026, 5, 27),
              specs=[LineSpec("Cloud VPS", Decimal("19.00"), currency="EUR")])
    us = paid(session, settings, make, US_COMPANY, received=dt.date(2026, 5, 26))
    june = paid(session, settings, make, received=dt.date(2026, 6, 1), issued=dt.date(2026, 6, 2))
    note = issue_credit_note(session, ro, settings=settings, today=dt.date(2026, 6, 2), reason="wrong plan")
    # A document that stores no rate (as reverse-charge EUR documents were issued before rates were kept on
    # every EUR document): the journal takes the rate BNR published last before its collection day.
    session.execute(update(Invoice).where(Invoice.id == de.id).values(exchange_rate=None, rate_date=None))
    session.add(ExchangeRate(day=dt.date(2026, 5, 26), currency="EUR", rate=Decimal("5.0800"), multiplier=1))
    session.commit()
    return {"ro": ro, "fr": fr, "de": de, "us": us, "june": june, "note": note}


def test_journal_has_one_row_per_document_of_the_month_by_chargeable_event(session, month):
    rows = list(sales_journal(session, MAY))
    assert [r.number for r in rows] == [month[k].code for k in ("us", "de", "fr", "ro")]
    assert [r.event_date for r in rows] == [dt.date(2026, 5, d) for d in (26, 27, 28, 29)]
    assert all(r.issue_date == dt.date(2026, 6, 1) for r in rows)  # issued in June, collected in May
    june = list(sales_journal(session, dt.date(2026, 6, 15)))
    assert [r.number for r in june] == [month["june"].code, month["note"].code]
    assert [r.kind for r in june] == ["tax", "credit_note"]


def test_journal_amounts_are_in_lei_per_category_and_rate(session, month):
    rows = {r.number: r for r in sales_journal(session, MAY)}
    ro = rows[month["ro"].code]
    assert (ro.category, ro.buyer_code, ro.currency) == ("S", "", "RON")  # a person who gave no CNP
    assert ro.amounts == {("S", Decimal("21.00")): (month["ro"].subtotal, month["ro"].vat_total)}
    fr = rows[month["fr"].code]
    # EUR with Romanian VAT: the lei the document printed (art. 319 alin. 23) are the figures.
    assert fr.currency == "EUR" and fr.exchange_rate == month["fr"].exchange_rate
    assert (fr.total, fr.vat) == (month["fr"].total_ron, month["fr"].vat_total_ron)
    de = rows[month["de"].code]
    session.refresh(month["de"])
    assert month["de"].exchange_rate is None
    assert (de.exchange_rate, de.rate_date) == (Decimal("5.0800"), dt.date(2026, 5, 26))
    assert de.amounts == {("AE", Decimal("0.00")): (Decimal("96.52"), Decimal("0.00"))}  # 19.00 × 5.08
    assert (de.buyer_code, de.buyer_country) == ("DE136695976", "DE")
    us = rows[month["us"].code]
    assert us.amounts == {("O", Decimal("0.00")): ((month["us"].subtotal * month["us"].exchange_rate)
                                                   .quantize(Decimal("0.01")), Decimal("0.00"))}


def test_journal_totals_equal_the_sum_of_the_documents(session, month):
    journal = sales_journal(session, MAY)
    rows = list(journal)
    assert journal.count == 4
    assert journal.columns == (("S", Decimal("21.00")), ("AE", Decimal("0.00")), ("O", Decimal("0.00")))
    assert journal.total == sum(r.total for r in rows)
    for key, (base, vat) in journal.totals.items():
        assert base == sum(r.amounts.get(key, (0, 0))[0] for r in rows)
        assert vat == sum(r.amounts.get(key, (0, 0))[1] for r in rows)
    assert journal.vat == month["ro"].vat_total + month["fr"].vat_total_ron


def test_credit_note_is_negative_and_proformas_are_left_out(session, month):
    june = sales_journal(session, dt.date(2026, 6, 1))
    rows = list(june)
    assert rows[1].total == -month["ro"].total and june.total == month["june"].total - month["ro"].total
    assert not any(r.number.startswith("HPF") for r in rows)


def test_vat_summary_per_category_and_rate_and_d390_per_eu_partner(session, month):
    summary = vat_summary(session, MAY)
    lines = {(line.category, line.rate): line for line in summary.lines}
    assert lines[("S", Decimal("21.00"))].documents == 2
    assert lines[("S", Decimal("21.00"))].vat == month["ro"].vat_total + month["fr"].vat_total_ron
    assert lines[("AE", Decimal("0.00"))].base == Decimal("96.52")
    assert [(p.operation, p.country, p.vat_number, p.base) for p in summary.eu_partners] == [
        ("P", "DE", "DE136695976", Decimal("96.52"))]
    journal = sales_journal(session, MAY)
    list(journal)
    assert (summary.base, summary.vat, summary.documents) == (journal.base, journal.vat, journal.count)
    text = summary_csv(summary).decode("utf-8-sig")
    assert "DE136695976" in text and "96.52" in text


def test_csv_is_byte_identical_for_the_same_month_and_ends_with_the_totals(session, month):
    first = b"".join(journal_csv(sales_journal(session, MAY)))
    second = b"".join(journal_csv(sales_journal(session, MAY)))
    assert first == second and first.startswith("\ufeff".encode())
    lines = first.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("No.,Document,Type,Issue date,Collection date,Buyer,Buyer code")
    assert len(lines) == 6 and lines[-1].split(",")[1] == "Total"
    assert month["fr"].code in lines[3] and "Jeanne Martin" in lines[3]


def test_xlsx_is_byte_identical_for_the_same_month_and_reads_back(session, month):
    from openpyxl import load_workbook

    first = journal_xlsx(sales_journal(session, MAY))
    time.sleep(2.1)  # zip timestamps have a two-second resolution
    assert journal_xlsx(sales_journal(session, MAY)) == first
    sheet = load_workbook(io.BytesIO(first)).active
    values = list(sheet.values)
    assert values[0][1] == "Document" and values[-1][1] == "Total"
    total_column = values[0].index("Total (lei)")
    assert Decimal(str(values[-1][total_column])) == sum(Decimal(str(v[total_column])) for v in values[1:-1])


def test_csv_headers_follow_the_translate_function(session, month):
    text = b"".join(journal_csv(sales_journal(session, MAY), lambda s: {"No.": "Nr. crt."}.get(s, s)))
    text = text.decode("utf-8-sig")
    assert text.startswith("Nr. crt.,Document")


def test_saga_file_follows_the_published_structure(session, month, settings):
    data = b"".join(saga_xml(session, MAY))
    root = etree.fromstring(data)
    assert root.tag == "Facturi"
    invoices = root.findall("Factura")
    assert len(invoices) == 4
    for factura in invoices:
        assert [child.tag for child in factura] == ["Antet", "Detalii"]
        assert tuple(child.tag for child in factura.find("Antet")) == HEADER_FIELDS
        for line in factura.find("Detalii/Continut"):
            assert line.tag == "Linie" and tuple(child.tag for child in line) == LINE_FIELDS
    by_number = {f.findtext("Antet/FacturaNumar"): f for f in invoices}
    de = by_number[month["de"].code]
    assert de.findtext("Antet/FacturaTaxareInversa") == "Da" and de.findtext("Antet/FacturaMoneda") == "EUR"
    assert de.findtext("Antet/FacturaData") == "01.06.2026" and de.findtext("Antet/ClientCIF") == "DE136695976"
    assert de.findtext("Antet/FurnizorCIF") == settings.seller_snapshot()["cui"]
    ro = by_number[month["ro"].code]
    assert ro.findtext("Antet/FacturaTaxareInversa") == "Nu" and ro.findtext("Antet/ClientJudet") == "BV"
    assert sum(Decimal(v.text) for v in ro.iter("Valoare")) == month["ro"].subtotal
    assert sum(Decimal(v.text) for v in ro.iter("TVA")) == month["ro"].vat_total
    assert b"".join(saga_xml(session, MAY)) == data


def test_saga_storno_lines_are_negative(session, month):
    root = etree.fromstring(b"".join(saga_xml(session, dt.date(2026, 6, 1))))
    note = {f.findtext("Antet/FacturaNumar"): f for f in root.findall("Factura")}[month["note"].code]
    assert Decimal(note.findtext("Detalii/Continut/Linie/Cantitate")) < 0
    assert Decimal(note.findtext("Detalii/Continut/Linie/Valoare")) == -month["ro"].subtotal


def test_oss_counts_eu_consumer_sales_in_eur_per_calendar_year(session, month):
    status = oss_status(session, 2026)
    # Only the French person: the German company is reverse charge, the others are not in another EU state.
    assert status.total_eur == month["fr"].subtotal and status.level == "ok"
    assert oss_status(session, 2025).total_eur == Decimal("0.00")


def test_oss_alerts_at_80_and_100_percent():
    from hostico.billing.reports import OssStatus

    assert OssStatus(2026, Decimal("7999.99")).level == "ok"
    assert OssStatus(2026, Decimal("8000.00")).level == "warning"
    assert OssStatus(2026, Decimal("10000.00")).level == "exceeded"
    assert OssStatus(2026, Decimal("8000.00")).percent == Decimal("80.0")


def test_a_month_is_yyyy_mm():
    assert parse_month("2026-11") == dt.date(2026, 11, 1)
    for bad in ("2026-13", "11/2026", "", "2026"):
        with pytest.raises(ReportError) as err:
            parse_month(bad)
        assert err.value.code == "bad_month"


def test_cli_writes_the_journal_in_romanian_and_the_files_match_the_domain(runner, session, month, tmp_path):
    out = tmp_path / "mai.csv"
    result = runner.invoke(args=["reports", "sales-journal", "--month", "2026-05", "--output", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_bytes().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Nr. crt.,Document,Tip,Data emiterii,Data încasării,Cumpărător")
    assert month["fr"].code in text
    xlsx = tmp_path / "mai.xlsx"
    result = runner.invoke(args=["reports", "sales-journal", "--month", "2026-05", "--format", "xlsx",
                                 "--output", str(xlsx), "--language", "en"])
    assert result.exit_code == 0, result.output
    assert xlsx.read_bytes() == journal_xlsx(sales_journal(session, MAY))
    saga = tmp_path / "saga.xml"
    assert runner.invoke(args=["reports", "sales-journal", "--month", "2026-05", "--format", "saga",
                               "--output", str(saga)]).exit_code == 0
    assert len(etree.fromstring(saga.read_bytes()).findall("Factura")) == 4


def test_cli_vat_summary_and_a_bad_month(runner, month):
    result = runner.invoke(args=["reports", "vat", "--month", "2026-05", "--language", "en"])
    assert result.exit_code == 0, result.output
    assert "Romanian VAT (S)\t21" in result.output and "DE136695976" in result.output
    bad = runner.invoke(args=["reports", "vat", "--month", "05/2026"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output
