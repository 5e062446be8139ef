"""Fixtures: a database per test session (SQLite or PostgreSQL), an app per test, factories, login helpers.

Choose the engine with `pytest --db=postgres` (or HOSTICO_TEST_DB=postgres); `make test` runs both.
"""

from __future__ import annotations

import os
import re
import socket
import uuid

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from hostico import message_catalog
from hostico.accounts.passwords import use_fast_hashing
from hostico.billing.settings import BillingSettings
from hostico.db import upgrade
from hostico.models import Base
from hostico.web.app import create_app
from hostico.web.app_settings import init_app as init_settings
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.extensions import limiter
from tests import factories

use_fast_hashing()
# The compiled catalogues are build output (git-ignored): build them from the .po files when older, so a
# plain `pytest` after editing a translation tests that translation (`make test` does the same first).
message_catalog.compile_catalogues()
PG_DEFAULT = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def pytest_addoption(parser):
    parser.addoption("--db", default=os.environ.get("HOSTICO_TEST_DB", "sqlite"), choices=("sqlite", "postgres"),
                     help="database engine for the suite")


def postgres_base_url() -> str:
    return os.environ.get("HOSTICO_TEST_POSTGRES_URL", PG_DEFAULT)


def postgres_available() -> bool:
    url = postgres_base_url()
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            pass
        engine = create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@pytest.fixture(scope="session")
def engine_name(request) -> str:
    return request.config.getoption("--db")


def _create_pg_database(name: str) -> str:
    base = postgres_base_url()
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return base.rsplit("/", 1)[0] + "/" + name


def _drop_pg_database(name: str) -> None:
    admin = create_engine(postgres_base_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def fresh_database(engine_name, tmp_path_factory):
    """Return a factory of new, empty databases on the chosen engine (dropped at the end)."""
    created: list[str] = []

    def make() -> str:
        if engine_name == "sqlite":
            return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")
        name = "hostico_test_" + uuid.uuid4().hex[:12]
        created.append(name)
        return _create_pg_database(name)

    yield make
    for name in created:
        _drop_pg_database(name)


@pytest.fixture(scope="session")
def database_url(fresh_database) -> str:
    """One migrated database for the whole test session; tables are emptied after each test."""
    url = fresh_database()
    upgrade(url)
    return url


def _empty_tables(engine) -> None:
    tables = [t.name for t in Base.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in reversed(tables):
                conn.execute(text(f'DELETE FROM "{t}"'))
            conn.execute(text("DELETE FROM sqlite_sequence")) if conn.execute(
                text("SELECT name FROM sqlite_master WHERE name='sqlite_sequence'")).first() else None


class CSRFClient(FlaskClient):
    """A test client that can fetch a valid CSRF token and post forms with it."""

    def csrf_token(self, url: str | None = None) -> str:
        resp = self.get(url or "/login", follow_redirects=True)
        match = CSRF_RE.search(resp.get_data(as_text=True))
        assert match, f"no CSRF token on {url or '/login'}"
        return match.group(1) or match.group(2)

    def post_form(self, url: str, data: dict | None = None, *, token_from: str | None = None, **kw):
        data = dict(data or {})
        data.setdefault("csrf_token", self.csrf_token(token_from))
        return self.post(url, data=data, **kw)


@pytest.fixture(scope="session")
def fake_bnr():
    """A local BNR feed for the whole session (one EUR rate of 5.0000 published long ago), so that a
    document for a customer abroad finds its rate on demand as in production."""
    import datetime as dt

    from tests.bnrserver import FakeBnr, feed

    server = FakeBnr()
    server.body = feed({dt.date(2020, 1, 3): "5.0000"})
    yield server
    server.close()


@pytest.fixture(scope="session")
def _vies_server():
    from tests.fake_vies import FakeVies

    server = FakeVies()
    yield server
    server.close()


@pytest.fixture
def fake_vies(_vies_server):
    """A local VIES (every number valid unless a test says otherwise in `answers` or `default`)."""
    _vies_server.reset()
    return _vies_server


@pytest.fixture
def test_config(database_url, tmp_path, fake_bnr, fake_vies) -> dict:
    return {
        "TESTING": True,
        "ENV": "test",
        "DATABASE_URL": database_url,
        "SECRET_KEY": "test-secret-key",
        "SMS_BACKEND": "file",
        "SMS_FILE": str(tmp_path / "sms.jsonl"),
        "MAIL_FILE": str(tmp_path / "mail.mbox"),  # the development mail backend's file, never instance/
        "SMS_HOURS": "00:00-24:00",
        "SMTP_PORT": 1,  # nothing listens: a test that needs SMTP starts its own server
        "RATELIMIT_STORAGE_URL": "memory://",
        "BASE_URL": "http://localhost",
        # Never ANAF's real registry: nothing listens here; tests that need it start a local fake.
        "ANAF_PUBLIC_URL": "http://127.0.0.1:9",
        "BNR_RATES_URL": fake_bnr.url,  # never BNR itself
        "VIES_URL": fake_vies.url,  # never the EU's VIES
        "VIES_TIMEOUT": 1,
        # The suite's pages and emails are asserted in English (the msgids): a visitor without ?lang, a lang
        # cookie or Accept-Language gets English here. Romanian tests ask for it (tests/test_catalogue.py).
        "DEFAULT_LOCALE": "en",
    }


# Secrets a production app accepts (hostico.secret_settings): long and random-looking. Tests of production
# start from these and take one away or replace it.
PRODUCTION_SECRETS = {
    "SECRET_KEY": "9c1f5e0b7a3d48e6b2c4f8a1d0e7b3c56a9f2e4d8b1c7a0f3e6d9b2c5a8f1e4d",
    "WEBHOOK_SECRET": "b7e2c9a4f1d86e3b0a5c7f2e9d4b1a6c",
}


def reconfigure(app, **config) -> None:
    """Change settings of a running test app: the config, then the settings object built from it."""
    app.config.update(config)
    init_settings(app)


@pytest.fixture
def app(test_config):
    app = create_app(test_config)
    app.test_client_class = CSRFClient
    limiter.reset()
    yield app
    state = db.get(app)
    state.session.remove()
    _empty_tables(state.engine)
    state.engine.dispose()


@pytest.fixture
def engine(app):
    """The test app's engine (its own: every app has one)."""
    return db.get(app).engine


@pytest.fixture
def client(app) -> CSRFClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def session(app):
    """An independent session on the test database (no app context is kept pushed: requests must get
    their own, as in production). Commit to make data visible to requests; call expire_all() to
    read what a request changed."""
    from sqlalchemy.orm import Session

    s = Session(bind=db.get(app).engine)
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def settings(app) -> BillingSettings:
    return app_settings(app).billing


class Factories:
    """Factories bound to the test session; each commits so the app sees the data."""

    def __init__(self, session, settings):
        self.session, self.settings = session, settings

    def __getattr__(self, name):
        fn = getattr(factories, name)

        def call(*args, **kwargs):
            if name == "make_proforma":
                kwargs.setdefault("settings", self.settings)
            obj = fn(self.session, *args, **kwargs)
            self.session.commit()
            return obj
        return call


@pytest.fixture
def make(session, settings) -> Factories:
    return Factories(session, settings)


@pytest.fixture
def login_as():
    """Log a customer in through the real login form; returns the response."""
    def do(client: CSRFClient, customer, password: str = factories.PASSWORD):
        return client.post_form("/login", {"email": customer.email, "password": password})
    return do


@pytest.fixture
def login_staff(session):
    """Give the client a staff session that has passed 2FA (staff login itself is tested in tests/staff)."""
    def do(client: CSRFClient, staff):
        from hostico.staff import STAFF_MFA_KEY

        factories.give_session(client, session, staff, **{STAFF_MFA_KEY: True})
    return do


@pytest.fixture
def smtp_server(app):
    """A running SMTP server the app is configured to use (app.config SMTP_HOST/PORT)."""
    from tests.mailserver import SMTPServer

    server = SMTPServer()
    server.start()
    reconfigure(app, SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, MAIL_BACKEND="smtp")
    yield server
    server.stop()


@pytest.fixture
def deliver(app):
    """Run the outbox worker once over the test database: deliver(now=..., worker_id=...) -> handled count."""

    from hostico.notify.worker import deliver_due

    def run(**kwargs) -> int:
        return deliver_due(db.get(app).new_session, app_settings(app).notify, **kwargs)
    return run
