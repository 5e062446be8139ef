"""How a request's transaction ends (hostico/db.py): a commit when it only read, else a rollback.

A commit of a read-only transaction changes nothing in the database, and it keeps psycopg's prepared
statements, which a rollback deallocates; everything else must still be rolled back, never committed.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event, select, text, update

from hostico.models import Customer
from hostico.web.database import db
from hostico.web.security import public

TARGET = "target@example.com"


@pytest.fixture
def ends(app):
    """Count the COMMITs and ROLLBACKs the app's engine sends."""
    seen = {"commit": 0, "rollback": 0}
    engine = db.get(app).engine
    listeners = {name: (lambda *_a, name=name: seen.__setitem__(name, seen[name] + 1)) for name in seen}
    for name, fn in listeners.items():
        event.listen(engine, name, fn)
    yield seen
    for name, fn in listeners.items():
        event.remove(engine, name, fn)


@pytest.fixture
def views(app):
    """Views that leave changes uncommitted in four ways (registered before the app's first request)."""

    def target() -> Customer:
        return db.session.scalars(select(Customer).where(Customer.email == TARGET)).one()

    def rename_and_return():
        target().name = "Unflushed"
        return "ok"

    def rename_flush_and_return():
        target().name = "Flushed"
        db.session.flush()
        return "ok"

    def core_update_and_return():
        db.session.execute(update(Customer).where(Customer.email == TARGET).values(name="Core update"))
        return "ok"

    def text_update_and_return():
        db.session.execute(text("UPDATE customers SET name = 'Text update' WHERE email = :email"), {"email": TARGET})
        return "ok"

    for fn in (rename_and_return, rename_flush_and_return, core_update_and_return, text_update_and_return):
        app.add_url_rule(f"/_test/{fn.__name__}", fn.__name__, public(fn))
    return app


def test_a_request_that_only_read_ends_with_a_commit(client, make, login_as, ends):
    login_as(client, make.make_customer())
    make.make_proforma(make.make_customer())
    ends.update(commit=0, rollback=0)
    assert client.get("/my-details").status_code == 200  # a page with its transaction (not @reads_only)
    assert ends == {"commit": 1, "rollback": 0}


@pytest.mark.parametrize("view", ["rename_and_return", "rename_flush_and_return", "core_update_and_return",
                                  "text_update_and_return"])
def test_a_request_that_changed_anything_without_committing_is_rolled_back(views, client, make, session, ends, view):
    customer = make.make_customer(name="Original Name", email=TARGET)
    ends.update(commit=0, rollback=0)
    assert client.get(f"/_test/{view}").status_code == 200
    assert ends == {"commit": 0, "rollback": 1}
    session.expire_all()
    assert session.scalar(select(Customer.name).where(Customer.id == customer.id)) == "Original Name"


def test_the_statements_of_every_page_stay_prepared_across_requests(engine_name, app, client, make, login_as):
    """psycopg prepares a statement after 5 uses; a rollback at each request's end would deallocate it."""
    if engine_name != "postgres":
        pytest.skip("prepared statements are PostgreSQL's (SQLite has nothing to keep)")
    login_as(client, make.make_customer())
    for _ in range(8):
        assert client.get("/invoices").status_code == 200
    engine = db.get(app).engine
    assert engine.pool.checkedin() == 1  # the requests took turns on one connection: the one checked below
    with engine.connect() as conn:
        prepared = conn.execute(text("SELECT statement FROM pg_prepared_statements")).scalars().all()
    assert any("FROM invoices" in sql for sql in prepared), prepared
    assert any("FROM customers JOIN user_sessions" in sql for sql in prepared), prepared


class _Record:
    def __init__(self, **info):
        self.info = dict(info)


class _Conn:
    """A DB-API connection stand-in over one end of a socket pair."""

    def __init__(self, sock):
        self.sock = sock

    def fileno(self):
        return self.sock.fileno()


def test_checkout_refuses_a_pooled_connection_the_server_has_spoken_on_or_closed():
    import socket

    from sqlalchemy.exc import DisconnectionError

    from hostico.db import NEW_CONNECTION, _refuse_hung_up_connection

    ours, server = socket.socketpair()
    with ours, server:
        _refuse_hung_up_connection(_Conn(ours), _Record(), None)  # quiet: handed out
        server.sendall(b"E...FATAL terminating connection due to administrator command")
        with pytest.raises(DisconnectionError):
            _refuse_hung_up_connection(_Conn(ours), _Record(), None)
        # a connection opened for this checkout is handed out unchecked (bytes a TLS layer may still hold)
        record = _Record(**{NEW_CONNECTION: True})
        _refuse_hung_up_connection(_Conn(ours), record, None)
        assert NEW_CONNECTION not in record.info  # checked from its next checkout on
        server.close()
        ours.recv(1024)
        with pytest.raises(DisconnectionError):  # end of file: hung up
            _refuse_hung_up_connection(_Conn(ours), _Record(), None)
    with pytest.raises(DisconnectionError):  # closed on our side: no file descriptor
        _refuse_hung_up_connection(_Conn(ours), _Record(), None)


# PostgreSQL's cursors describe their results lazily (hostico.pg_cursor.LazyDescription): SQLAlchemy and psycopg still
# see the same names and type codes, streaming still works, and a statement without rows has no description.

ROWS = text("SELECT 7 AS answer, 'seven'::text AS word, now() AS at_time")


@pytest.fixture
def pg_engine(engine_name, engine):
    if engine_name != "postgres":
        pytest.skip("psycopg's cursors: PostgreSQL only")
    return engine


def test_the_description_is_psycopgs_made_when_read(pg_engine):
    import psycopg

    from hostico.pg_cursor import LazyDescription

    raw = pg_engine.raw_connection()
    try:
        ours, theirs = raw.cursor(), psycopg.Cursor(raw.driver_connection)
        for cursor in (ours, theirs):
            cursor.execute(str(ROWS))
        lazy = ours.description
        assert isinstance(lazy, LazyDescription) and len(lazy) == 3 and lazy
        assert [tuple(c) for c in lazy] == [tuple(c) for c in theirs.description]
        assert [c.name for c in lazy] == ["answer", "word", "at_time"]
        assert lazy[-1].type_code == theirs.description[-1].type_code and lazy == list(lazy)
        assert lazy[1:] == lazy._built()[1:] and repr(lazy) == repr(list(lazy))

        ours.execute("SELECT 1 AS other")
        earlier = ours.description
        ours.execute("SELECT 2 AS later, 3 AS more")
        assert [c.name for c in earlier] == ["other"]  # first read after the next statement: still its own result

        for cursor in (ours, theirs):
            cursor.execute("SET LOCAL statement_timeout = 0")
            assert cursor.description is None
            cursor.execute("SELECT ;")  # rows without columns: an empty description, as psycopg's
            assert cursor.description is not None and len(cursor.description) == 0 and not cursor.description
    finally:
        raw.rollback()
        raw.close()


def test_results_come_back_by_name_first_and_cached(pg_engine, session, make):
    customer = make.make_customer()
    session.commit()
    for _ in range(3):  # the first execution builds SQLAlchemy's metadata from the description, later ones reuse it
        row = session.execute(select(Customer.id, Customer.email).where(Customer.id == customer.id)).one()
        assert row._mapping["email"] == customer.email and row.id == customer.id
        with pg_engine.connect() as conn:
            result = conn.execute(ROWS)
            assert list(result.keys()) == ["answer", "word", "at_time"]
            assert result.one()[:2] == (7, "seven")
            assert conn.execute(text("UPDATE customers SET name = name WHERE id = -1")).rowcount == 0
            assert conn.execute(text("SET LOCAL statement_timeout = 0")).returns_rows is False


def test_streamed_results_still_work(pg_engine, session, make):
    for _ in range(5):
        make.make_customer()
    session.commit()
    streamed = session.execute(select(Customer.id, Customer.email).order_by(Customer.id).execution_options(yield_per=2))
    chunks = [list(chunk) for chunk in streamed.partitions()]
    assert [len(chunk) for chunk in chunks] == [2, 2, 1]
    assert [row.email for chunk in chunks for row in chunk] == list(
        session.scalars(select(Customer.email).order_by(Customer.id)))
    with pg_engine.connect() as conn:
        rows = conn.execution_options(stream_results=True, max_row_buffer=2).execute(
            text("SELECT g AS n FROM generate_series(1, 5) g")).all()
        assert [row.n for row in rows] == [1, 2, 3, 4, 5]
