"""`reports sales-journal --month YYYY-MM [--format csv|xlsx|saga] [--output FILE]` and `reports vat --month
YYYY-MM`: the accountant's desk from the command line (docs/reports.md), a thin wrapper over the domain."""

from __future__ import annotations

import sys
from collections.abc import Iterable

import click
from flask.cli import AppGroup
from flask_babel import force_locale, gettext

from hostico.billing.reports import parse_month, sales_journal, vat_summary
from hostico.billing.reports.files import journal_csv, journal_xlsx, summary_csv, summary_rows
from hostico.billing.reports.journal import ReportError
from hostico.billing.reports.saga import saga_xml
from hostico.web.database import db

reports_cli = AppGroup("reports", help="Reports for the accountant: sales journal, VAT summary.")


def _month(text: str):
    try:
        return parse_month(text)
    except ReportError as err:
        raise click.BadParameter(str(err), param_hint="--month") from None


def _write(chunks: Iterable[bytes], output: str | None) -> None:
    if output:
        with open(output, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
    else:
        for chunk in chunks:
            sys.stdout.buffer.write(chunk)
        sys.stdout.buffer.flush()


@reports_cli.command("sales-journal")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM", help="The month of the chargeable events.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "saga"]), default="csv", show_default=True,
              help="csv, xlsx, or saga (SAGA C's XML invoice import).")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), help="Write to FILE (default: stdout).")
@click.option("--language", type=click.Choice(["ro", "en"]), default="ro", show_default=True,
              help="The language of the column headers.")
def sales_journal_command(month_text: str, fmt: str, output: str | None, language: str) -> None:
    """Write the month's sales journal (jurnal de vânzări): one row per tax invoice and credit note, in lei."""
    month = _month(month_text)
    if fmt == "xlsx" and not output and sys.stdout.isatty():
        raise click.UsageError("An XLSX file goes to --output FILE (or redirect stdout).")
    session = db.new_session()
    try:
        with force_locale(language):
            if fmt == "csv":
                _write(journal_csv(sales_journal(session, month), gettext), output)
            elif fmt == "xlsx":
                _write([journal_xlsx(sales_journal(session, month), gettext)], output)
            else:
                _write(saga_xml(session, month), output)
    except ReportError as err:
        raise click.ClickException(str(err)) from None
    finally:
        session.close()


@reports_cli.command("vat")
@click.option("--month", "month_text", required=True, metavar="YYYY-MM", help="The month of the chargeable events.")
@click.option("--format", "fmt", type=click.Choice(["text", "csv"]), default="text", show_default=True)
@click.option("--language", type=click.Choice(["ro", "en"]), default="ro", show_default=True)
def vat_command(month_text: str, fmt: str, language: str) -> None:
    """Print the month's VAT per category and rate (D300) and the reverse-charge services per EU partner (D390)."""
    month = _month(month_text)
    session = db.new_session()
    try:
        summary = vat_summary(session, month)
        with force_locale(language):
            if fmt == "csv":
                _write([summary_csv(summary, gettext)], None)
                return
            for row in summary_rows(summary, gettext):
                click.echo("\t".join("" if cell is None else str(cell) for cell in row))
    except ReportError as err:
        raise click.ClickException(str(err)) from None
    finally:
        session.close()
