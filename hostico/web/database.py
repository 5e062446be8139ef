"""The `db` extension: each app's engine and session (hostico.db.AppDatabase), a session per app context,
and the `flask db upgrade` command."""

from __future__ import annotations

import click
from flask import Flask, current_app, request
from flask.cli import AppGroup
from sqlalchemy import Engine
from sqlalchemy.orm import Session, scoped_session

from hostico.db import AppDatabase, upgrade
from hostico.web.app_settings import settings


class Database:
    """The extension: each app gets its own AppDatabase in app.extensions["hostico_db"].

    `db.session`, `db.engine` and `db.new_session()` answer for the current app (an app context is
    needed); `db.get(app)` answers for a given app without one (tests, benches, threads).
    """

    EXTENSION_KEY = "hostico_db"

    def init_app(self, app: Flask) -> None:
        state = AppDatabase(app.config["DATABASE_URL"])
        app.extensions[self.EXTENSION_KEY] = state
        app.teardown_appcontext(state.teardown)
        app.cli.add_command(db_cli)

    def get(self, app: Flask | None = None) -> AppDatabase:
        """Return the engine-and-session holder of app (default: the current app)."""
        return (app or current_app).extensions[self.EXTENSION_KEY]

    @property
    def session(self) -> scoped_session[Session]:
        return self.get().session

    @property
    def engine(self) -> Engine:
        return self.get().engine

    def new_session(self) -> Session:
        """Open an independent session on the current app's database."""
        return self.get().new_session()


db = Database()


def reads_only(view):
    """Mark a view that only reads: its GET requests run their statements without a transaction (no BEGIN, no
    COMMIT: two round trips fewer), the session check included (hostico.db.AppDatabase.reads_only). Only for
    views where nothing needs one snapshot across statements and nothing is written; a write or a row lock in
    such a request raises ReadOnlyViolation."""
    view.reads_only = True
    return view


def begin_request() -> None:
    """before_request, before the session check: a GET of a view marked @reads_only reads without a transaction."""
    if request.method in ("GET", "HEAD") and request.endpoint is not None:
        view = current_app.view_functions.get(request.endpoint)
        if getattr(view, "reads_only", False):
            db.get().reads_only()


db_cli = AppGroup("db", help="Manage the database schema.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Create or upgrade the schema (Alembic migrations)."""
    upgrade(settings().database_url, revision)
    click.echo("Database is at revision " + revision)
