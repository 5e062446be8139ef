"""Engine, the per-app session holder, and the Alembic glue (migrations/ beside this file). No Flask: the app's
`db` extension (a session per app context, the `db` CLI group) is hostico.web.database."""

from __future__ import annotations

import hashlib
import os
import select
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnDefault,
    ColumnElement,
    Connection,
    CursorResult,
    Engine,
    Result,
    Select,
    Table,
    any_,
    bindparam,
    create_engine,
    event,
    insert,
    text,
    update,
)
from sqlalchemy import column as sql_column
from sqlalchemy import select as select_rows
from sqlalchemy import table as sql_table
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError
from sqlalchemy.orm import QueryableAttribute, Session, scoped_session, sessionmaker

from hostico.pg_cursor import lazily_described_cursor

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
    if url.startswith("postgresql+psycopg:"):
        connect_args = dict(kwargs.get("connect_args", {}))
        connect_args.setdefault("cursor_factory", lazily_described_cursor())
        kwargs["connect_args"] = connect_args
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):  # recover after the database went away
        event.listen(engine, "connect", _mark_new_connection)
        event.listen(engine, "checkout", _refuse_hung_up_connection)
    return engine


NEW_CONNECTION = "hostico_new"  # connection record info: opened for this checkout, nothing to check yet


def _mark_new_connection(_dbapi_conn, record) -> None:
    record.info[NEW_CONNECTION] = True


def _refuse_hung_up_connection(dbapi_conn, record, _proxy) -> None:
    """Pool checkout: hand out no connection the server has hung up on; the pool then opens a new one.

    PostgreSQL says goodbye before it closes a connection (a restart, pg_terminate_backend, an idle timeout):
    an error message, then end of file. An idle pooled connection has nothing to read otherwise, so a
    readable socket means the connection is over (or, rarely, holds a notice: it is replaced all the same).
    This costs a poll() instead of pool_pre_ping's round trip to the server on every request. A connection
    cut without a word (a network failure) fails its first statement: that request fails cleanly and
    SQLAlchemy replaces the pool's connections. A connection opened for this very checkout is not checked:
    it just answered, and bytes a TLS layer may still hold for it must never make the pool refuse every
    new connection.
    """
    if record.info.pop(NEW_CONNECTION, False):
        return
    try:
        poller = select.poll()
        poller.register(dbapi_conn.fileno(), select.POLLIN | select.POLLPRI)
        hung_up = bool(poller.poll(0))
    except (OSError, ValueError, AttributeError):  # closed locally: no file descriptor any more
        hung_up = True
    if hung_up:
        raise DisconnectionError("the database server closed this connection")


WROTE = "hostico_wrote"  # Session.info: the current transaction ran something other than a SELECT
READS_ONLY = "hostico_reads_only"  # Session.info: this request reads without a transaction (AppDatabase.reads_only)
WRITE_ALLOWED = "hostico_write_allowed"  # Session.info: a single-statement write is allowed meanwhile


class ReadOnlyViolation(SQLAlchemyError):
    """A request declared to only read (AppDatabase.reads_only) tried to write or to lock rows: a programming
    error, refused before anything reaches the database."""



def _track_writes(factory: sessionmaker) -> None:
    """Note in session.info whether the session's transaction may have written anything.

    Conservative: every flush and every statement that is not an ORM/Core SELECT (text() included) counts.
    (Not reset when a transaction begins: do_orm_execute runs before the statement's transaction begins.)
    """

    @event.listens_for(factory, "after_transaction_end")
    def _ended(session, transaction) -> None:
        if transaction.parent is None:  # the outermost transaction: the next one starts clean
            session.info.pop(WROTE, None)

    @event.listens_for(factory, "after_flush")
    def _flushed(session, _context) -> None:
        session.info[WROTE] = True

    @event.listens_for(factory, "do_orm_execute")
    def _executed(state) -> None:
        if not state.is_select:
            _refuse_in_reads_only(state.session, "ran a statement that writes")
            state.session.info[WROTE] = True

    @event.listens_for(factory, "before_flush")
    def _flushing(session, _context, _instances) -> None:
        _refuse_in_reads_only(session, "flushed changes")


def _refuse_in_reads_only(session: Session, what: str) -> None:
    if session.info.get(READS_ONLY) and not session.info.get(WRITE_ALLOWED):
        raise ReadOnlyViolation(f"a request that reads only {what}: its statements run without a transaction")


def _read_only(session: Session) -> bool:
    """True when the session's open transaction wrote nothing and holds no change to write."""
    return (session.in_transaction() and not session.info.get(WROTE, False)
            and not (session.new or session.deleted or session.dirty))


class AppDatabase:
    """One app's engine and its scoped session (removed at the end of every app context)."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = make_engine(url)
        factory = sessionmaker(bind=self.engine, expire_on_commit=False)
        _track_writes(factory)
        self.session: scoped_session[Session] = scoped_session(factory)
        # The same pool, each statement its own transaction: for requests that only read (reads_only).
        self.reader: Engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")

    def reads_only(self) -> None:
        """Run the current request's statements without a transaction: no BEGIN and no COMMIT round trips.

        For views that only read, where nothing needs one snapshot across statements (a list, a page of
        facts): each SELECT sees the committed data of its own moment. Called before the request's first
        statement; once a transaction is open it changes nothing. The request must not write: a flush or a
        writing statement raises ReadOnlyViolation, and so does a row lock (for_update), which would end with
        its statement; a single-statement write can be allowed explicitly (allow_one_write).
        """
        session = self.session()
        if session.in_transaction():
            return
        session.bind = self.reader
        session.info[READS_ONLY] = True

    @contextmanager
    def allow_one_write(self) -> Iterator[None]:
        """Allow a write in a request that reads only, where one statement is the whole change (it commits
        by itself): the session record's "last seen" time."""
        session = self.session()
        session.info[WRITE_ALLOWED] = True
        try:
            yield
        finally:
            session.info.pop(WRITE_ALLOWED, None)

    def new_session(self) -> Session:
        """Open an independent session (workers, CLI batches, threads)."""
        return Session(bind=self.engine, expire_on_commit=False)

    def teardown(self, exc: BaseException | None) -> None:
        """End the request's transaction: a rollback, unless it only read (then a commit, which is the same).

        Why commit a transaction that only read: psycopg deallocates every prepared statement of a connection
        on each ROLLBACK, so with a rollback at the end of every request PostgreSQL parses and plans each query
        of every request again. A commit keeps them: the statements every page runs (the session check, the
        lists) are prepared after psycopg's prepare_threshold uses and run without planning (bench/run.py, a).
        A transaction that wrote, or holds unflushed changes, is rolled back as before.
        """
        session = self.session()
        if session.info.get(READS_ONLY):
            pass  # every statement committed by itself: nothing to end (close() below returns the connection)
        elif exc is None and _read_only(session):
            try:
                session.commit()
            except SQLAlchemyError:
                session.rollback()  # nothing was written; the connection is dropped if it is broken
        elif exc is not None:
            session.rollback()
        self.session.remove()


MIGRATION_FILE_TEMPLATE = "%%(year)d_%%(month).2d_%%(day).2d_%%(rev)s_%%(slug)s"


def alembic_config(url: str):
    """Return an Alembic Config pointing at hostico/migrations and the given database."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    # New migrations sort by date in the folder (2026_12_05_<rev>_<slug>.py); existing files keep their names.
    cfg.set_main_option("file_template", MIGRATION_FILE_TEMPLATE)
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    """Create or upgrade the schema of the database at url through the migration chain."""
    from alembic import command

    command.upgrade(alembic_config(url), revision)


# -- the portable row lock -------------------------------------------------------------------------------
_Select = TypeVar("_Select", bound=Select[Any])


def for_update(session: Session, stmt: _Select, *, of: Any = None, skip_locked: bool = False,
               write_lock: tuple[Any, Collection[int]] | None = None) -> _Select:
    """The one row lock of the code base: return `stmt` locking the rows it reads until the transaction ends.

    PostgreSQL: SELECT ... FOR UPDATE (OF `of`; SKIP LOCKED when `skip_locked`, so parallel workers share
    rows). SQLite has no row locks and ignores FOR UPDATE: when `write_lock=(Model.column, ids)` is given, a
    no-op write of that column on those rows takes the database's write lock now (waiting the busy timeout),
    so what `stmt` reads next is current and no other writer can interleave; without it the statement reads
    unlocked (SQLite serialises writers at their first write). Refused in a request that reads only
    (AppDatabase.reads_only): without a transaction a lock would end with its own statement.
    """
    _refuse_in_reads_only(session, "asked for a row lock")
    if session.get_bind().dialect.name == "postgresql":
        return stmt.with_for_update(of=of, skip_locked=skip_locked)
    if write_lock is not None:
        column, ids = write_lock
        col = getattr(column, "expression", column)
        table = col.table
        session.execute(update(table).where(table.c.id.in_(list(ids))).values({col.name: table.c[col.name]}))
    return stmt


def rowcount(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE touched (`Session.execute` is typed as returning a plain Result)."""
    return cast(CursorResult[Any], result).rowcount


# -- batches ------------------------------------------------------------------------------------------------
def among(session: Session, column: ColumnElement[Any] | QueryableAttribute[Any],
          values: Iterable[Any]) -> ColumnElement[bool]:
    """`column IN values` for a batch of many values (the billing run's 500 ids): on PostgreSQL
    `column = ANY(:values)`, one array parameter. An IN list is rendered anew for every batch, one placeholder a
    value, and psycopg parses that long statement again each time (about 2.5 ms of this process's time for 500 ids;
    the array, 0.6 ms). Elsewhere a plain IN."""
    expression = column.expression if isinstance(column, QueryableAttribute) else column
    if session.get_bind().dialect.name == "postgresql":
        return expression == any_(bindparam(None, list(values), type_=ARRAY(expression.type)))
    return expression.in_(list(values))


# -- bulk writes ------------------------------------------------------------------------------------------
def insert_rows(session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert plain rows (column name -> value, the same keys in every row; the columns' Python defaults fill those
    left out) in one go: a COPY on PostgreSQL, whose cost per row, in this process and in the server, is a
    fraction of an INSERT's (the billing run's INSERTs were a third of its time at 100,000 due), else a Core
    executemany."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    copy_rows(session, table, rows)


def insert_new_rows(session: Session, table: Table, rows: list[dict[str, Any]], *, unique: str,
                    returning: str | None = None) -> list[Any] | None:
    """Insert the rows whose `unique` column's value the table does not hold yet (nor an earlier row of `rows`):
    the database's unique index decides (ON CONFLICT DO NOTHING), so the cost does not grow with the table.
    Return the `returning` column of the rows inserted (None without `returning`).

    PostgreSQL: the rows are COPYed into a temporary table, then go in with one INSERT ... SELECT ... ON CONFLICT:
    a pipelined INSERT per row cost the billing run's outbox several times as much, in this process and in the
    server. SQLite: an INSERT ... ON CONFLICT DO NOTHING executemany."""
    if not rows:
        return [] if returning else None
    if session.get_bind().dialect.name != "postgresql":
        skip = sqlite_insert(table).on_conflict_do_nothing(index_elements=[unique])
        if returning is None:
            session.execute(skip, rows)
            return None
        return list(session.scalars(skip.returning(table.c[returning]), rows))
    quote = session.get_bind().dialect.identifier_preparer.quote
    name = f"{table.name}_incoming"
    # ON COMMIT DROP: a rollback or commit leaves nothing behind; dropped at once too, for the next call of the
    # same transaction. CREATE TABLE AS keeps the column types, not the NOT NULL constraints (id stays empty).
    session.execute(text(f"CREATE TEMPORARY TABLE {quote(name)} ON COMMIT DROP "  # noqa: S608 - our tables' names
                         f"AS SELECT * FROM {quote(table.name)} WITH NO DATA"))
    columns = copy_rows(session, table, rows, into=quote(name))
    staging = sql_table(name, *(sql_column(column) for column in columns))
    stmt = (pg_insert(table).from_select(columns, select_rows(*staging.c))
            .on_conflict_do_nothing(index_elements=[unique]))
    inserted = None
    if returning is None:
        session.execute(stmt)
    else:
        inserted = list(session.scalars(stmt.returning(table.c[returning])))
    session.execute(text(f"DROP TABLE {quote(name)}"))
    return inserted


def copy_rows(session: Session, table: Table, rows: list[dict[str, Any]], *, into: str | None = None) -> list[str]:
    """COPY plain rows (as insert_rows takes them) into `table`, or into `into` (a table with its columns), on
    PostgreSQL; return the columns written. Each value is the one SQLAlchemy would bind (its types' conversions:
    money in minor units, states as text, JSON)."""
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    defaults = {column.name: column.default.arg if column.default.is_scalar else column.default.arg(None)
                for column in table.columns if column.name not in rows[0] and isinstance(column.default, ColumnDefault)}

    def processor(name: str) -> Any:
        return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

    convert = [(at, fn) for at, name in enumerate(names) if (fn := processor(name)) is not None]
    fixed = [fn(value) if (fn := processor(name)) else value for name, value in defaults.items()]
    columns = [*names, *defaults]
    quote = dialect.identifier_preparer.quote
    target = into or quote(table.name)
    cursor = connection.connection.cursor()
    try:
        with cursor.copy(f"COPY {target} ({', '.join(quote(name) for name in columns)}) FROM STDIN") as copy:
            for row in rows:
                given = [row[name] for name in names]
                for at, fn in convert:
                    given[at] = fn(given[at])
                copy.write_row(given + fixed)
    finally:
        cursor.close()
    return columns


# -- jobs that must run once --------------------------------------------------------------------------
def advisory_lock_key(name: str) -> int:
    """The 64-bit key of a named lock (the same on every host: a hash of the name, not Python's hash())."""
    return int.from_bytes(hashlib.sha256(b"hostico:" + name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(bind: Engine | Connection | Session, name: str, *, wait: bool = False) -> Iterator[bool]:
    """The one "run once" lock of the code base: hold PostgreSQL advisory lock `name` for the block.

    Yields True when this process holds it, False when another session does (wait=False: the caller says so and
    does nothing). The lock lives on a connection of its own (autocommit, so it is never "idle in transaction"),
    not on the job's session, which commits and hands its connection back: it ends with the block, or with that
    connection when the process dies or PostgreSQL restarts, so a crashed job never blocks the next one.
    SQLite (one host by definition): always True, nothing taken.
    """
    engine = _engine_of(bind)
    if engine.dialect.name != "postgresql":
        yield True
        return
    key = advisory_lock_key(name)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        if wait:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
            held = True
        else:
            held = bool(conn.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))
        try:
            yield held
        finally:
            if held:
                try:
                    conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
                except SQLAlchemyError:
                    conn.invalidate()  # the connection is gone, and the lock with it


def _engine_of(bind: Engine | Connection | Session) -> Engine:
    if isinstance(bind, Session | scoped_session):
        bind = bind.get_bind()  # type: ignore[assignment]
    return bind.engine if isinstance(bind, Connection) else bind  # type: ignore[return-value]
