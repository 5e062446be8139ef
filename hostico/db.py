"""Engine, a session per app context, and the Alembic glue (migrations/ beside this file)."""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, scoped_session, sessionmaker

from hostico.settings import settings

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


class AppDatabase:
    """One app's engine and its scoped session (removed at the end of every app context)."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        self.session: scoped_session[Session] = scoped_session(
            sessionmaker(bind=self.engine, expire_on_commit=False))

    def new_session(self) -> Session:
        """Open an independent session (workers, CLI batches, threads)."""
        return Session(bind=self.engine, expire_on_commit=False)

    def teardown(self, exc: BaseException | None) -> None:
        if exc is not None:
            self.session.rollback()
        self.session.remove()


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
    upgrade(settings().database_url, revision)
    click.echo("Database is at revision " + revision)
