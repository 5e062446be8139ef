"""Engine, a session per app context, and the Alembic glue (migrations/ beside this file)."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker

MIGRATIONS_DIR = os.path.join(os.path.dirname(__file__), "migrations")


def make_engine(url: str, **kwargs) -> Engine:
    """Create an engine with the settings each backend needs (SQLite: FKs on, WAL, busy timeout)."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    kwargs.setdefault("pool_pre_ping", True)  # recover after the database went away
    return create_engine(url, **kwargs)


class Database:
    """Holds the engine and a scoped session removed at the end of every app context."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.session: scoped_session[Session] = scoped_session(sessionmaker(expire_on_commit=False))

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["DATABASE_URL"])
        self.session.remove()
        self.session.configure(bind=self.engine)
        app.extensions["hostico_db"] = self
        app.teardown_appcontext(self._teardown)
        app.cli.add_command(db_cli)

    def _teardown(self, exc: BaseException | None) -> None:
        if exc is not None:
            self.session.rollback()
        self.session.remove()

    def new_session(self) -> Session:
        """Open an independent session (workers, CLI batches, threads)."""
        return Session(bind=self.engine, expire_on_commit=False)


db = Database()


def alembic_config(url: str):
    """Return an Alembic Config pointing at hostico/migrations and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema of the database at url through the migration chain."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


db_cli = AppGroup("db", help="Manage the database schema.")


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def upgrade_command(revision: str) -> None:
    """Create or upgrade the schema (Alembic migrations)."""
    upgrade(current_app.config["DATABASE_URL"], revision)
    click.echo("Database is at revision " + revision)
