"""Views marked @reads_only (hostico.web.database): their GET requests read without a transaction.

No BEGIN and no COMMIT: every statement commits by itself, the session check's included. Such a request may not
write (a flush or a writing statement raises ReadOnlyViolation before anything reaches the database) nor lock
rows (hostico.db.for_update: a lock would end with its own statement); the session record's "last seen" time,
one UPDATE, is the one write allowed. Everything else, and any other method, keeps its transaction.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text, update

from hostico.db import ReadOnlyViolation, for_update
from hostico.models import Customer, UserSession
from hostico.web.database import db, reads_only

TARGET = "target@example.com"


def _in_transaction() -> bool:
    """Whether the request's statements run in a transaction (asked after one ran): on PostgreSQL whether the
    connection has one open; sqlite3 opens its transactions at the first write, so there whether it would."""
    raw = db.session.connection().connection.dbapi_connection
    if hasattr(raw, "info"):  # psycopg
        return raw.info.transaction_status.name != "IDLE"
    return raw.isolation_level is not None  # sqlite3: None is autocommit


@pytest.fixture
def views(app):
    """Views marked @reads_only that read, write or lock, and an unmarked twin (before the first request)."""
    seen: dict[str, object] = {}

    def target() -> Customer:
        return db.session.scalars(select(Customer).where(Customer.email == TARGET)).one()

    def reads():
        seen["name"] = target().name
        seen["in_transaction"] = _in_transaction()
        seen["bind_is_reader"] = db.session.get_bind() is db.get().reader
        return "ok"

    def flushes():
        target().name = "Flushed"
        db.session.flush()
        return "ok"

    def updates():
        db.session.execute(update(Customer).where(Customer.email == TARGET).values(name="Core update"))
        return "ok"

    def locks():
        db.session.scalars(for_update(db.session, select(Customer).where(Customer.email == TARGET))).one()
        return "ok"

    def reads_and_posts():
        target()
        seen["in_transaction"] = _in_transaction()
        return "ok"

    def plain():
        return reads()

    for fn in (reads, flushes, updates, locks):
        app.add_url_rule(f"/_test/ro/{fn.__name__}", f"ro_{fn.__name__}", reads_only(fn))
    app.add_url_rule("/_test/plain", "plain", plain)
    app.add_url_rule("/_test/ro/both", "ro_both", reads_only(reads_and_posts), methods=["GET", "POST"])
    return seen


@pytest.fixture
def customer(make, client, login_as):
    found = make.make_customer(name="Original Name", email=TARGET)
    login_as(client, found)
    return found


def _name(session, customer) -> str:
    session.expire_all()
    return session.scalar(select(Customer.name).where(Customer.id == customer.id))


def test_a_marked_view_reads_without_a_transaction_and_an_unmarked_one_with(views, client, customer):
    assert client.get("/_test/ro/reads").status_code == 200
    assert views == {"name": "Original Name", "in_transaction": False, "bind_is_reader": True}
    # the connection went back to the pool as it came: the next request has its transaction again
    assert client.get("/_test/plain").status_code == 200
    assert views == {"name": "Original Name", "in_transaction": True, "bind_is_reader": False}


def test_my_invoices_is_marked_and_still_lists(client, customer, make):
    invoice = make.make_proforma(customer)
    page = client.get("/invoices")
    assert page.status_code == 200 and invoice.code in page.get_data(as_text=True)
    assert client.get("/invoices", headers={"HX-Request": "true"}).status_code == 200


def test_only_get_reads_without_a_transaction(views, client, customer):
    assert client.get("/_test/ro/both").status_code == 200
    assert views["in_transaction"] is False
    assert client.post_form("/_test/ro/both", {}, token_from="/invoices").status_code == 200
    assert views["in_transaction"] is True


@pytest.mark.parametrize("view", ["flushes", "updates"])
def test_a_marked_view_that_writes_is_refused_and_nothing_is_written(views, client, customer, session, view):
    with pytest.raises(ReadOnlyViolation):
        client.get(f"/_test/ro/{view}")
    assert _name(session, customer) == "Original Name"


def test_a_marked_view_that_locks_rows_is_refused(views, client, customer):
    with pytest.raises(ReadOnlyViolation, match="row lock"):
        client.get("/_test/ro/locks")


def test_the_session_record_is_still_touched_in_a_marked_view(views, client, customer, session):
    record = session.scalars(select(UserSession).where(UserSession.customer_id == customer.id)).one()
    long_ago = record.last_seen_at - dt.timedelta(minutes=5)
    session.execute(update(UserSession).where(UserSession.id == record.id).values(last_seen_at=long_ago))
    session.commit()
    assert client.get("/_test/ro/reads").status_code == 200
    assert views["in_transaction"] is False
    session.expire_all()
    assert session.get(UserSession, record.id).last_seen_at > long_ago


def test_a_revoked_session_is_ended_in_a_marked_view(client, customer, session):
    session.execute(text("UPDATE user_sessions SET revoked_at = created_at WHERE customer_id = :id"),
                    {"id": customer.id})
    session.commit()
    response = client.get("/invoices")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
