"""The migration that gives checkouts a lifetime keeps the checkouts already there (docs/payments.md)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import create_engine, text
from sqlalchemy.orm import Session

from hostico.db import upgrade
from tests import factories


def test_existing_checkouts_get_the_24_hours_they_had_and_keep_their_status(fresh_database):
    url = fresh_database()
    upgrade(url, "credit_1")  # before checkout_expiry_1: the customers table is as the models say
    engine = create_engine(url)
    with Session(bind=engine) as session:
        customer = factories.make_customer(session)
        session.commit()
        customer_id = customer.id
    created = dt.datetime(2026, 12, 1, 10, 30, tzinfo=dt.UTC)
    with engine.begin() as conn:
        for reference, status in (("chk_old_pending", "pending"), ("chk_old_paid", "paid")):
            conn.execute(text("INSERT INTO checkouts (reference, customer_id, gateway, amount, currency, status, "
                              "created_at) VALUES (:ref, :customer, 'sandbox', 12100, 'RON', :status, "
                              ":created)"),
                         {"ref": reference, "customer": customer_id, "status": status,
                          "created": created if engine.dialect.name != "sqlite" else created.replace(tzinfo=None)})
    upgrade(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT reference, status, expires_at FROM checkouts ORDER BY reference")).all()
        conn.execute(text("UPDATE checkouts SET status = 'expired' WHERE reference = 'chk_old_pending'"))
    engine.dispose()
    expected = created + dt.timedelta(hours=24)
    assert [(r[0], r[1]) for r in rows] == [("chk_old_paid", "paid"), ("chk_old_pending", "pending")]
    for row in rows:
        at = row[2] if isinstance(row[2], dt.datetime) else dt.datetime.fromisoformat(row[2])
        assert (at if at.tzinfo else at.replace(tzinfo=dt.UTC)) == expected
