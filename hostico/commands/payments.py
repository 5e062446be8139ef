"""`payments import FILE`: import a bank statement from the command line (a thin wrapper over the domain)."""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo

import click
from flask.cli import AppGroup

from hostico.payments.statements import StatementError
from hostico.payments.statements.entries import english_message
from hostico.payments.statements.matching import import_statement
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db

payments_cli = AppGroup("payments", help="Payments: bank statement import.")


@payments_cli.command("import")
@click.argument("file", type=click.File("rb"))
def import_command(file) -> None:
    """Import a CAMT.053 or MT940 statement: prints `matched N, unmatched M, already imported K`."""
    settings = app_settings().billing
    data = file.read()
    today = dt.datetime.now(ZoneInfo(settings.timezone)).date()
    session = db.new_session()
    try:
        result = import_statement(session, data, settings=settings, today=today,
                                  filename=os.path.basename(getattr(file, "name", "") or "")[:200] or None)
        session.commit()
    except StatementError as err:
        session.rollback()
        raise click.ClickException(english_message(err)) from None
    finally:
        session.close()
    click.echo(result.summary())
