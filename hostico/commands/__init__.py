"""The `flask --app wsgi ...` commands: thin wrappers that open a session and call the domain."""

from flask import Flask


def register(app: Flask) -> None:
    """Add every command group to the app's CLI."""
    from hostico.commands.billing import billing_cli, service_cli
    from hostico.commands.demo import demo_cli
    from hostico.commands.efactura import efactura_cli
    from hostico.commands.efactura_export import export_command  # noqa: F401 - adds `efactura export`
    from hostico.commands.payments import payments_cli
    from hostico.commands.reports import reports_cli
    from hostico.commands.worker import worker_command

    for command in (demo_cli, billing_cli, service_cli, worker_command, efactura_cli, payments_cli,
                    reports_cli):
        app.cli.add_command(command)
