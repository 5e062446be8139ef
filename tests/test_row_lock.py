"""The portable row lock (hostico.db.for_update) is the only one: FOR UPDATE on PostgreSQL, a write lock
on SQLite; a second transaction that wants the same row waits until the first ends, on both engines."""

from __future__ import annotations

import pathlib
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.db import for_update
from hostico.models import Customer
from hostico.web.database import db

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "hostico"


def _lock_customer(session: Session, customer_id: int) -> Customer:
    stmt = select(Customer).where(Customer.id == customer_id)
    return session.scalars(for_update(session, stmt, write_lock=(Customer.name, [customer_id]))).one()


def test_a_second_transaction_waits_for_the_lock(app, make, engine_name):
    customer_id = make.make_customer().id
    engine = db.get(app).engine
    first = Session(bind=engine)
    _lock_customer(first, customer_id)
    done = threading.Event()

    def second() -> None:
        with Session(bind=engine) as other:
            _lock_customer(other, customer_id)
            done.set()
            other.commit()

    thread = threading.Thread(target=second)
    thread.start()
    try:
        assert not done.wait(1.0), f"{engine_name}: the second transaction did not wait"
    finally:
        first.commit()
        first.close()
    thread.join(10)
    assert done.is_set()


def test_without_the_lock_nobody_waits(app, make):
    customer_id = make.make_customer().id
    engine = db.get(app).engine
    with Session(bind=engine) as first, Session(bind=engine) as other:
        first.scalars(select(Customer).where(Customer.id == customer_id)).one()
        start = time.monotonic()
        _lock_customer(other, customer_id)
        other.commit()
        assert time.monotonic() - start < 1.0


def test_the_lock_is_for_update_on_postgresql_only(app):
    stmt = select(Customer.id)
    with app.app_context():
        locked = for_update(db.session, stmt)
        sql = str(locked.compile(db.session.get_bind()))
        assert ("FOR UPDATE" in sql) == (db.session.get_bind().dialect.name == "postgresql")


def test_with_for_update_is_written_only_in_the_helper():
    found = [f"{p.relative_to(PACKAGE)}:{n}" for p in sorted(PACKAGE.rglob("*.py"))
             for n, line in enumerate(p.read_text().splitlines(), 1) if "with_for_update(" in line]
    assert [f.split(":")[0] for f in found] == ["db.py"], found
