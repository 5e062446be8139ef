"""The journal and the VAT summary as files (docs/reports.md): CSV (UTF-8 with BOM, comma-separated, amounts
with a decimal point, ISO dates) and XLSX (openpyxl, write-only so rows stream).

The same month always gives the same bytes: rows come in a fixed order, and the XLSX carries fixed
document properties and fixed timestamps on every part of its zip. Headers are in the language of the
`translate` function the caller passes (the web layer's gettext, the CLI's Romanian); English by default.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from hostico.billing.reports.journal import ColumnKey, Journal, JournalRow, VatSummary
from hostico.billing.taxes import OUTSIDE_SCOPE, REVERSE_CHARGE
from hostico.errors import N_

if TYPE_CHECKING:
    from openpyxl import Workbook
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

Translate = Callable[[str], str]
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
CSV_MEDIA_TYPE = "text/csv; charset=utf-8"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

KIND_LABELS = {"tax": N_("Tax invoice"), "credit_note": N_("Credit note")}
HEAD = (N_("No."), N_("Document"), N_("Type"), N_("Issue date"), N_("Collection date"), N_("Buyer"),
        N_("Buyer code"), N_("Country"), N_("VAT category"), N_("Currency"), N_("Total in currency"),
        N_("BNR rate"), N_("Rate date"), N_("Total (lei)"))


def _identity(text: str) -> str:
    return text


def _rate_text(rate: Decimal) -> str:
    return f"{rate.normalize():f}"


def column_labels(key: ColumnKey, translate: Translate = _identity) -> list[str]:
    """The header cells of one (category, rate) column pair."""
    category, rate = key
    if category == REVERSE_CHARGE:
        return [translate(N_("Base, reverse charge (lei)")), translate(N_("VAT, reverse charge (lei)"))]
    if category == OUTSIDE_SCOPE:
        return [translate(N_("Base, not taxable in Romania (lei)")), translate(N_("VAT, not taxable (lei)"))]
    return [translate(N_("Base %(rate)s%% (lei)")) % {"rate": _rate_text(rate)},
            translate(N_("VAT %(rate)s%% (lei)")) % {"rate": _rate_text(rate)}]


def header(journal: Journal, translate: Translate = _identity) -> list[str]:
    cells = [translate(text) for text in HEAD]
    for key in journal.columns:
        cells.extend(column_labels(key, translate))
    return cells


def row_cells(row: JournalRow, columns: tuple[ColumnKey, ...], translate: Translate = _identity) -> list[Any]:
    """One journal row as typed cells (dates, Decimals, text)."""
    cells: list[Any] = [row.position, row.number, translate(KIND_LABELS[row.kind]), row.issue_date, row.collected_on,
                   row.buyer_name, row.buyer_code, row.buyer_country, row.category, row.currency, row.total_original,
                   row.exchange_rate, row.rate_date, row.total]
    for key in columns:
        base, vat = row.amounts.get(key, (None, None))
        cells.extend([base, vat])
    return cells


def total_cells(journal: Journal, translate: Translate = _identity) -> list[Any]:
    documents = f"{translate(N_('Documents'))}: {journal.count}"
    cells: list[Any] = [None, translate(N_("Total")), None, None, None, documents, None, None, None, None, None, None,
                        None, journal.total]
    for key in journal.columns:
        base, vat = journal.totals.get(key, (Decimal("0.00"), Decimal("0.00")))
        cells.extend([base, vat])
    return cells


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can feed a generator."""

    def write(self, value: str) -> str:
        return value


def journal_csv(journal: Journal, translate: Translate = _identity) -> Iterator[bytes]:
    """The journal as CSV, chunk by chunk (UTF-8 with a BOM so spreadsheets read the diacritics)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield "\ufeff".encode() + writer.writerow(header(journal, translate)).encode()
    chunk: list[str] = []
    for row in journal:
        chunk.append(writer.writerow([_text(c) for c in row_cells(row, journal.columns, translate)]))
        if len(chunk) >= 500:
            yield "".join(chunk).encode()
            chunk = []
    chunk.append(writer.writerow([_text(c) for c in total_cells(journal, translate)]))
    yield "".join(chunk).encode()


def _fixed_zip(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite an XLSX so it depends only on its content: fixed zip timestamps and document dates."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                                 rb"\g<1>" + stamp.encode() + rb"\g<2>", content)
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            target.writestr(fixed, content)
    return out.getvalue()


def _workbook(title: str, month: dt.date) -> tuple[Workbook, dt.datetime]:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    when = dt.datetime(month.year, month.month, 1)
    book.properties.creator = "Hostico Billing"
    book.properties.title = title
    book.properties.created = book.properties.modified = when
    return book, when


def _save(book: Workbook, when: dt.datetime) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue(), when)


def _xlsx_row(sheet: WriteOnlyWorksheet, cells: list[Any], *, bold: bool = False) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    out = []
    for value in cells:
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, Decimal):
            exponent = value.as_tuple().exponent
            cell.number_format = "#,##0.00##" if isinstance(exponent, int) and exponent < -2 else "#,##0.00"
        elif isinstance(value, dt.date):
            cell.number_format = "yyyy-mm-dd"
        if bold:
            cell.font = Font(bold=True)
        out.append(cell)
    sheet.append(out)


def journal_xlsx(journal: Journal, translate: Translate = _identity) -> bytes:
    """The journal as an XLSX workbook (one sheet; header row, the documents, the totals row)."""
    title = translate(N_("Sales journal %(month)s")) % {"month": journal.month.strftime("%Y-%m")}
    book, when = _workbook(title, journal.month)
    sheet = book.create_sheet(journal.month.strftime("%Y-%m"))
    sheet.freeze_panes = "C2"
    _xlsx_row(sheet, header(journal, translate), bold=True)
    for row in journal:
        _xlsx_row(sheet, row_cells(row, journal.columns, translate))
    _xlsx_row(sheet, total_cells(journal, translate), bold=True)
    return _save(book, when)


def _category_label(category: str, translate: Translate) -> str:
    return translate({REVERSE_CHARGE: N_("Reverse charge (AE)"), OUTSIDE_SCOPE: N_("Not taxable in Romania (O)")}
                     .get(category, N_("Romanian VAT (S)")))


def summary_rows(summary: VatSummary, translate: Translate = _identity) -> list[list[Any]]:
    """The VAT summary as rows: per category and rate, then the D390 lines per EU partner."""
    rows: list[list[Any]] = [[translate(N_("VAT category")), translate(N_("Rate")), translate(N_("Documents")),
                         translate(N_("Base (lei)")), translate(N_("VAT (lei)"))]]
    for line in summary.lines:
        rows.append([_category_label(line.category, translate), line.rate, line.documents, line.base, line.vat])
    rows.append([translate(N_("Total")), None, summary.documents, summary.base, summary.vat])
    if summary.eu_partners:
        rows.append([])
        rows.append([translate(N_("D390: services to EU businesses (reverse charge)")), None, None, None, None])
        rows.append([translate(N_("Operation")), translate(N_("Country")), translate(N_("VAT number")),
                     translate(N_("Partner")), translate(N_("Base (lei)"))])
        for partner in summary.eu_partners:
            rows.append([partner.operation, partner.country, partner.vat_number, partner.name, partner.base])
    return rows


def summary_csv(summary: VatSummary, translate: Translate = _identity) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in summary_rows(summary, translate):
        writer.writerow([_text(c) for c in row])
    return "\ufeff".encode() + out.getvalue().encode()
