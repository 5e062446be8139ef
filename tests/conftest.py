"""Fixtures: a database per test session (SQLite or PostgreSQL), an app per test, factories, login helpers.

Choose the engine with `pytest --db=postgres` (or HOSTICO_TEST_DB=postgres); `make test` runs both.
"""

from __future__ import annotations

import datetime as dt
import email
import errno
import ipaddress
import os
import re
import socket
import sqlite3
import uuid
from email import policy
from typing import Any, TypeVar

import pytest
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from hostico import message_catalog
from hostico.accounts.passwords import use_fast_hashing
from hostico.billing.settings import BillingSettings
from hostico.db import upgrade
from hostico.models import Base, BillingProfile, Checkout, Customer, Invoice, Product, Service, StaffUser
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
T = TypeVar("T")
CSRF_RE = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


@event.listens_for(Engine, "connect")
def _sqlite_without_fsync(dbapi_conn, _record) -> None:
    """A test database is thrown away: SQLite need not wait for the disk at every commit (the suite's wall time
    on a busy machine). Locking, WAL and constraints are unchanged."""
    if isinstance(dbapi_conn, sqlite3.Connection):
        dbapi_conn.execute("PRAGMA synchronous=OFF")


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


OUTSIDE_NETWORK = pytest.StashKey[list]()
LOCAL_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _is_local(host) -> bool:
    """127.0.0.0/8, ::1 or a name of this machine; bytes or str (a passive lookup's None or "" too)."""
    if host in (None, "", b""):
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip("[]").split("%", 1)[0].lower().rstrip(".")
    if host in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.is_unspecified:  # binding a listening socket to every interface
        return True
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


@pytest.fixture(autouse=True)
def _only_local_network(request, monkeypatch):
    """Fail the test that connects to (or looks up) any host but this machine: every outside service has a
    fake in tests/fakes. The call raises OSError, as an unreachable network would (so the code under test takes
    its error path), and the test fails even if that code swallowed the error. Unix sockets, PostgreSQL (libpq's
    own sockets) and Redis on 127.0.0.1, the browser tests' live server: all local, all untouched."""
    attempts: list[str] = []
    request.node.stash[OUTSIDE_NETWORK] = attempts
    connect, connect_ex, getaddrinfo = socket.socket.connect, socket.socket.connect_ex, socket.getaddrinfo

    def refuse(what: str) -> OSError:
        attempts.append(what)
        return OSError(errno.ENETUNREACH, f"the test suite reaches only 127.0.0.1, not {what} (use tests/fakes)")

    def outside(sock: socket.socket, address) -> str | None:
        if sock.family not in (socket.AF_INET, socket.AF_INET6) or not isinstance(address, tuple):
            return None
        return None if _is_local(address[0]) else f"{address[0]}:{address[1]}"

    def guarded_connect(self, address):
        if (where := outside(self, address)) is not None:
            raise refuse(where)
        return connect(self, address)

    def guarded_connect_ex(self, address):
        if (where := outside(self, address)) is not None:
            refuse(where)
            return errno.ENETUNREACH
        return connect_ex(self, address)

    def guarded_getaddrinfo(host, *args, **kwargs):
        if not _is_local(host):
            raise socket.gaierror(socket.EAI_NONAME, str(refuse(str(host))))
        return getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    monkeypatch.setattr(socket, "getaddrinfo", guarded_getaddrinfo)
    yield attempts
    if attempts:  # during setup or teardown (the test's own call is failed by pytest_runtest_call)
        _fail_outside_network(attempts)


def _fail_outside_network(attempts: list[str]) -> None:
    where = ", ".join(sorted(set(attempts)))
    attempts.clear()
    pytest.fail(f"the test reached the network outside 127.0.0.1: {where}", pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """A test that reached outside fails as a test (not as a teardown error), even if the code swallowed the error."""
    result = yield
    if attempts := item.stash.get(OUTSIDE_NETWORK, None):
        _fail_outside_network(attempts)
    return result


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

    from tests.fakes.bnr import FakeBnr, feed

    server = FakeBnr()
    server.body = feed({dt.date(2020, 1, 3): "5.0000"})
    yield server
    server.close()


@pytest.fixture(scope="session")
def _vies_server():
    from tests.fakes.vies import FakeVies

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


class _CompiledTemplates(BytecodeCache):
    """Templates compiled once per test process, not once per test app: Jinja's bytecode cache, in memory (a
    template whose source changed is compiled again: the cache checks its checksum)."""

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        if bucket.key in self.code:
            bucket.bytecode_from_string(self.code[bucket.key])

    def dump_bytecode(self, bucket) -> None:
        self.code[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = _CompiledTemplates()


def _url_builders_compiled_once() -> None:
    """Werkzeug compiles two URL builders per rule (Python source built as an AST, then `compile()`); an app per
    test made that a quarter of the fast suite's CPU time. A builder is a function of the rule's text, its parsed
    parts and its defaults only (it reads the converters from the rule it is bound to at call time), so a builder
    compiled for one app serves the same rule in the next. Tests only: production builds one app per process."""
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "memoized", False):
        return
    builders: dict[tuple, Any] = {}

    def memoized(self: Rule, append_unknown: bool = True):
        defaults = tuple(sorted((name, repr(value)) for name, value in (self.defaults or {}).items()))
        key = (self.rule, tuple(self._trace), defaults, append_unknown)
        if key not in builders:
            builders[key] = compile_builder(self, append_unknown)
        return builders[key]

    memoized.memoized = True  # type: ignore[attr-defined]
    Rule._compile_builder = memoized  # type: ignore[method-assign]


_url_builders_compiled_once()


def _one_engine_per_database() -> None:
    """An app per test opened an engine per test, and SQLAlchemy's statement cache lives in the engine (its key
    holds the engine's dialect): every test compiled every statement it ran again, a fifth of the fast suite's
    CPU time. Test apps on the same database share one engine, so a statement is compiled once per worker
    process. Each app still gets its own sessions; the app fixture disposes the engine's pool after every test
    (no connection, lock or transaction outlives its test), and tests that listen to the engine remove their
    listeners. An engine with its own options (make_engine(url, **kwargs)) is never shared."""
    import hostico.db

    make_engine = hostico.db.make_engine
    if getattr(make_engine, "shared", False):
        return
    engines: dict[str, Engine] = {}

    def shared(url: str, **kwargs: Any) -> Engine:
        if kwargs:
            return make_engine(url, **kwargs)
        if url not in engines:
            engines[url] = make_engine(url)
        return engines[url]

    shared.shared = True  # type: ignore[attr-defined]
    hostico.db.make_engine = shared  # type: ignore[assignment]


_one_engine_per_database()


@pytest.fixture
def app(test_config):
    app = create_app(test_config)
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
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
    s = Session(bind=db.get(app).engine)
    yield s
    s.rollback()
    s.close()


@pytest.fixture
def settings(app) -> BillingSettings:
    return app_settings(app).billing


class Factories:
    """The factories of tests/factories.py bound to the test session; each commits so the app sees the data.
    One method per factory: a name that is not one is an AttributeError at once."""

    def __init__(self, session: Session, settings: BillingSettings) -> None:
        self.session, self.settings = session, settings

    def _saved(self, obj: T) -> T:
        self.session.commit()
        return obj

    def make_customer(self, *, email: str | None = None, password: str = factories.PASSWORD, name: str | None = None,
                      billing: bool = True, **kw: Any) -> Customer:
        return self._saved(factories.make_customer(self.session, email=email, password=password, name=name,
                                                   billing=billing, **kw))

    def make_staff(self, *, email: str | None = None, role: str = "admin", password: str = factories.PASSWORD,
                   **kw: Any) -> StaffUser:
        return self._saved(factories.make_staff(self.session, email=email, role=role, password=password, **kw))

    def make_profile(self, customer: Customer, *, kind: str = "person", **kw: Any) -> BillingProfile:
        return self._saved(factories.make_profile(self.session, customer, kind=kind, **kw))

    def make_product(self, *, code: str | None = None, monthly: str = "10.00", annual: str = "100.00") -> Product:
        return self._saved(factories.make_product(self.session, code=code, monthly=monthly, annual=annual))

    def make_service(self, customer: Customer, *, product: Product | None = None, domain: str | None = None,
                     cycle: str = "monthly", price: str = "10.00", status: str = "active",
                     next_due_date: dt.date | None = None, **kw: Any) -> Service:
        return self._saved(factories.make_service(self.session, customer, product=product, domain=domain, cycle=cycle,
                                                  price=price, status=status, next_due_date=next_due_date, **kw))

    def make_proforma(self, customer: Customer, *, settings: BillingSettings | None = None,
                      service: Service | None = None, amount: str = "100.00", origin: str = "system",
                      profile: BillingProfile | None = None, today: dt.date | None = None,
                      description: str = "Hosting") -> Invoice:
        """A proforma issued with the test app's billing settings unless `settings` says otherwise."""
        return self._saved(factories.make_proforma(
            self.session, customer, settings=settings or self.settings, service=service, amount=amount,
            origin=origin, profile=profile, today=today, description=description))

    def make_checkout(self, customer: Customer, proformas: list[Invoice], *, gateway: str = "sandbox",
                      status: str = "pending", transaction_id: str | None = None) -> Checkout:
        return self._saved(factories.make_checkout(self.session, customer, proformas, gateway=gateway, status=status,
                                                   transaction_id=transaction_id))


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
    from tests.fakes.smtp import SMTPServer

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


# --- account emails (docs/accounts.md) as delivered ---------------------------------------------------------------

ACCOUNT_LINK_RE = re.compile(r"https?://[^/\s\"]+(/a/[A-Za-z0-9_\-]+)")


class Inbox:
    """The emails the fake SMTP server received, read as a person would."""

    def __init__(self, server, deliver) -> None:
        self.server, self.deliver = server, deliver

    def messages(self, to: str | None = None) -> list:
        self.deliver()
        found = [email.message_from_bytes(m.content, policy=policy.default) for m in self.server.messages]
        return [m for m in found if to is None or m["To"] == to]

    def last(self, to: str):
        messages = self.messages(to)
        assert messages, f"no email to {to}"
        return messages[-1]

    def link(self, to: str) -> str:
        """The path of the `/a/` link in the last email to an address (the same in its text and HTML parts)."""
        msg = self.last(to)
        text = msg.get_body(("plain",)).get_content()
        html = msg.get_body(("html",)).get_content()
        paths = ACCOUNT_LINK_RE.findall(text)
        assert paths, text
        assert paths[0] in html
        return paths[0]


@pytest.fixture
def inbox(smtp_server, deliver) -> Inbox:
    return Inbox(smtp_server, deliver)
