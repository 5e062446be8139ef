"""`flask --app wsgi efactura export NUMBER`: print a tax invoice's or credit note's UBL XML (CIUS-RO)."""

from __future__ import annotations

import click
from sqlalchemy import select

from hostico.commands.efactura import efactura_cli
from hostico.efactura.ubl import DocumentError, build_document
from hostico.efactura.validate import validate_document
from hostico.models import Invoice
from hostico.models.invoice import InvoiceKind
from hostico.web.database import db


@efactura_cli.command("export")
@click.argument("number")
@click.option("--check/--no-check", default=True, help="Validate first and refuse an invalid document.")
def export_command(number: str, check: bool) -> None:
    """Print the UBL 2.1 XML of a tax invoice or credit note (what is uploaded to ANAF)."""
    invoice = db.session.scalar(select(Invoice).where(Invoice.code == number))
    if invoice is None or invoice.kind not in (InvoiceKind.TAX, InvoiceKind.CREDIT_NOTE):
        raise click.ClickException(f"No tax invoice or credit note {number}.")
    try:
        xml = build_document(invoice)
    except DocumentError as exc:
        raise click.ClickException(str(exc)) from exc
    if check:
        findings = validate_document(xml)
        if findings:
            for finding in findings:
                click.echo(str(finding), err=True)
            raise click.ClickException(f"{number} does not pass the e-Factura rules ({len(findings)} findings).")
    click.echo(xml.decode("utf-8"), nl=False)
