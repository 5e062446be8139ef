"""`worker [--once]`: deliver the outbox (the notifications issue builds it)."""

import click
from flask.cli import with_appcontext


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver everything due, then exit.")
def worker_command(once: bool) -> None:
    """Deliver queued emails and SMS."""
    raise click.ClickException("The outbox worker is not built yet.")
