"""The batch helpers of hostico/db.py: plain rows in one go (a COPY on PostgreSQL), the rows whose unique key is new
(COPY into a temporary table, then one INSERT ... SELECT ... ON CONFLICT DO NOTHING on PostgreSQL), and a batch's
`IN` (one array parameter on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import event, select, text

from hostico.db import among, insert_new_rows, insert_rows
from hostico.models import OutboxMessage, Price, Product, utcnow
from hostico.models.outbox import Channel, OutboxStatus

OUTBOX = OutboxMessage.__table__


def _message(key: str, **extra) -> dict:
    return {"channel": Channel.EMAIL, "event": "reminder", "dedupe_key": key, "recipient": "a@example.com",
            "template": "reminder", "context": {"days_left": 3, "note": "zi"}, **extra}


def _stored(session) -> list[tuple]:
    session.expire_all()
    return [(m.dedupe_key, m.channel, m.status, m.attempts, m.context, m.next_attempt_at is not None,
             m.created_at is not None)
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]


def test_new_rows_go_in_once_with_their_defaults_and_types(session):
    when = dt.datetime(2026, 5, 1, 9, 30, tzinfo=dt.UTC)
    assert insert_new_rows(session, OUTBOX, [_message("a", next_attempt_at=when), _message("b", next_attempt_at=when)],
                           unique="dedupe_key", returning="dedupe_key") == ["a", "b"]
    # Again in the same transaction: a key already stored and a key twice in the rows go in once.
    assert sorted(insert_new_rows(session, OUTBOX, [_message("b", next_attempt_at=when),
                                                    _message("c", next_attempt_at=when),
                                                    _message("c", next_attempt_at=when)],
                                  unique="dedupe_key", returning="dedupe_key")) == ["c"]
    assert insert_new_rows(session, OUTBOX, [_message("a", next_attempt_at=when), _message("d", next_attempt_at=when)],
                           unique="dedupe_key") is None
    assert _stored(session) == [(key, Channel.EMAIL, OutboxStatus.PENDING, 0, {"days_left": 3, "note": "zi"}, True,
                                 True) for key in "abcd"]
    assert session.scalar(select(OutboxMessage.next_attempt_at).where(OutboxMessage.dedupe_key == "c")) == when


def test_new_rows_leave_no_staging_table(session, engine_name):
    insert_new_rows(session, OUTBOX, [_message("a", next_attempt_at=utcnow())], unique="dedupe_key")
    if engine_name == "postgres":
        assert session.scalar(text("SELECT to_regclass('pg_temp.outbox_incoming')")) is None
    session.commit()
    assert insert_new_rows(session, OUTBOX, [], unique="dedupe_key", returning="dedupe_key") == []
    assert [row[0] for row in _stored(session)] == ["a"]


def test_plain_rows_go_in_with_their_types_converted(session):
    insert_rows(session, Product.__table__, [{"id": 7, "code": "p7", "name": "Plan", "description": ""}])
    insert_rows(session, Price.__table__, [
        {"product_id": 7, "cycle": cycle, "amount": Decimal(amount), "currency": "RON"}
        for cycle, amount in (("monthly", "19.99"), ("annual", "199.00"))])
    session.expire_all()
    product = session.get_one(Product, 7)
    assert product.active is True and product.created_at is not None  # the model's defaults
    assert sorted((p.cycle, p.amount) for p in session.scalars(select(Price))) == [
        ("annual", Decimal("199.00")), ("monthly", Decimal("19.99"))]
    assert sorted(session.scalars(text("SELECT amount FROM prices"))) == [1999, 19900]  # money in minor units


def test_among_selects_the_rows_of_a_batch_with_one_parameter_on_postgresql(session, engine_name):
    insert_new_rows(session, OUTBOX, [_message(f"k{n}", next_attempt_at=utcnow()) for n in range(600)],
                    unique="dedupe_key")
    ids = session.scalars(select(OutboxMessage.id).order_by(OutboxMessage.id)).all()
    wanted = ids[100:600]
    stmt = select(OutboxMessage.dedupe_key).where(among(session, OutboxMessage.id, wanted))
    assert sorted(session.scalars(stmt)) == sorted(f"k{n}" for n in range(100, 600))
    keys = select(OutboxMessage.id).where(among(session, OutboxMessage.dedupe_key, ["k3", "k5", "nowhere"]))
    assert sorted(session.scalars(keys)) == [ids[3], ids[5]]
    assert session.scalars(select(OutboxMessage.id).where(among(session, OutboxMessage.id, []))).all() == []
    sent = []
    engine = session.get_bind()

    def parameters(_conn, _cursor, _statement, params, _context, _many):
        sent.append(len(params))

    event.listen(engine, "before_cursor_execute", parameters)
    try:
        session.execute(stmt).all()
    finally:
        event.remove(engine, "before_cursor_execute", parameters)
    assert sent == [1 if engine_name == "postgres" else 500]  # an array, or one placeholder an id
