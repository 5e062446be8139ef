"""`efactura sync|status` (and `export`, from the documents half): thin wrappers over hostico.efactura."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup
from sqlalchemy.orm import Session

from hostico.efactura.documents import enqueue_new
from hostico.efactura.jobs import sync
from hostico.efactura.operations import status_lines
from hostico.efactura.settings import EfacturaSettings
from hostico.models import utcnow
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db

efactura_cli = AppGroup("efactura", help="RO e-Factura: documents reported to ANAF's SPV.")


def _settings() -> EfacturaSettings:
    return app_settings().efactura


def _session_factory():
    return lambda: Session(bind=db.engine, expire_on_commit=False)


@efactura_cli.command("sync")
def sync_command() -> None:
    """Upload the documents that are due, poll SPV for verdicts and archive the ZIPs."""
    settings = _settings()
    if not settings.enabled:
        click.echo("e-Factura is off (HOSTICO_EFACTURA=off): nothing to do.")
        return
    summary = sync(_session_factory(), settings)
    click.echo(f"e-Factura sync ({settings.mode}): {summary.line()}")
    for error in summary.errors:
        click.echo(f"  error: {error}", err=True)
    if summary.errors:
        raise SystemExit(1)


@efactura_cli.command("status")
@click.argument("number", required=False)
def status_command(number: str | None) -> None:
    """Print one line per document: NUMBER STATE [upload-index]."""
    settings = _settings()
    if not settings.enabled:
        click.echo("e-Factura is off (HOSTICO_EFACTURA=off).")
        return
    today = utcnow().astimezone(ZoneInfo(settings.timezone)).date()
    with _session_factory()() as session:
        enqueue_new(session, utcnow())  # an invoice issued since the last sync shows as pending
        session.commit()
        lines = status_lines(session, today, number)
    if number and not lines:
        raise click.ClickException(f"No tax invoice or credit note {number}.")
    for line in lines:
        click.echo(str(line))


def business_today(settings: EfacturaSettings) -> dt.date:
    return utcnow().astimezone(ZoneInfo(settings.timezone)).date()
