"""Staff: the accountant's desk (docs/reports.md) — the month's sales journal on screen, its files (CSV, XLSX,
SAGA C import XML, the VAT summary) and the year's EU consumer sales against the OSS threshold."""

from __future__ import annotations

import datetime as dt

from flask import Response, abort, render_template, request, stream_with_context
from flask_babel import gettext

from hostico.billing.reports import oss_status, parse_month, sales_journal, vat_summary
from hostico.billing.reports.files import (
    CSV_MEDIA_TYPE,
    XLSX_MEDIA_TYPE,
    column_labels,
    journal_csv,
    journal_xlsx,
    summary_csv,
)
from hostico.billing.reports.journal import ReportError
from hostico.billing.reports.saga import MEDIA_TYPE as SAGA_MEDIA_TYPE
from hostico.billing.reports.saga import filename as saga_filename
from hostico.billing.reports.saga import saga_xml
from hostico.staff.blueprint import bp
from hostico.staff.lookups import business_today
from hostico.staff.permissions import requires
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.i18n import error_message

SCREEN_ROWS = 500  # the page shows this many documents; the files hold them all


def _month_or_404(text: str) -> dt.date:
    try:
        return parse_month(text)
    except ReportError:
        abort(404)


def _download(body, media_type: str, name: str) -> Response:
    response = Response(body, mimetype=media_type.split(";")[0], content_type=media_type)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/reports")
@requires("reports.view")
def reports():
    """The month's sales journal (the first SCREEN_ROWS documents and the totals), VAT summary and OSS count."""
    today = business_today()
    error = None
    try:
        month = parse_month(request.args["month"]) if request.args.get("month") else today.replace(day=1)
    except ReportError as err:
        error, month = err, today.replace(day=1)
    journal, rows, summary = sales_journal(db.session, month), [], None
    try:
        for row in journal:
            if len(rows) < SCREEN_ROWS:
                rows.append(row)
        summary = vat_summary(db.session, month)
    except ReportError as err:  # a document without a BNR rate: named, never a 500
        error = err
    labels = [column_labels(key, gettext) for key in journal.columns]
    return render_template("staff/reports.html", month=month, journal=journal, rows=rows, labels=labels,
                           summary=summary, oss=oss_status(db.session, business_today().year),
                           error=error_message(error) if error else None, screen_rows=SCREEN_ROWS)


@bp.route("/reports/<month>/sales-journal.csv")
@requires("reports.view")
def report_journal_csv(month: str):
    """Download the month's sales journal as CSV, in the reader's language."""
    first = _month_or_404(month)
    chunks = journal_csv(sales_journal(db.session, first), gettext)
    return _download(stream_with_context(chunks), CSV_MEDIA_TYPE, f"sales-journal-{first:%Y-%m}.csv")


@bp.route("/reports/<month>/sales-journal.xlsx")
@requires("reports.view")
def report_journal_xlsx(month: str):
    """Download the month's sales journal as an XLSX workbook."""
    first = _month_or_404(month)
    return _download(journal_xlsx(sales_journal(db.session, first), gettext), XLSX_MEDIA_TYPE,
                     f"sales-journal-{first:%Y-%m}.xlsx")


@bp.route("/reports/<month>/saga.xml")
@requires("reports.view")
def report_saga(month: str):
    """Download the month's documents in SAGA C's XML invoice import format."""
    first = _month_or_404(month)
    name = saga_filename(app_settings().billing.seller_snapshot().get("cui", ""), first)
    return _download(stream_with_context(saga_xml(db.session, first)), SAGA_MEDIA_TYPE, name)


@bp.route("/reports/<month>/vat.csv")
@requires("reports.view")
def report_vat_csv(month: str):
    """Download the month's VAT summary (D300 per category and rate, D390 per EU partner) as CSV."""
    first = _month_or_404(month)
    return _download(summary_csv(vat_summary(db.session, first), gettext), CSV_MEDIA_TYPE,
                     f"vat-summary-{first:%Y-%m}.csv")
