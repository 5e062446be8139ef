"""/healthz and /readyz (docs/operations.md, Health and metrics): no login, no session, never cached."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from hostico.web.app import create_app
from hostico.web.database import db
from hostico.web.health import migration_heads
from tests import factories

DOWN = "postgresql+psycopg://nobody@127.0.0.1:1/none"


def test_healthz_answers_while_the_process_serves_even_without_a_database(test_config):
    app = create_app(dict(test_config, DATABASE_URL=DOWN))
    resp = app.test_client().get("/healthz")
    assert resp.status_code == 200 and resp.get_json() == {"status": "ok"}
    assert resp.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in resp.headers


def test_readyz_answers_ok_when_the_database_answers_at_the_head_migration(client):
    resp = client.get("/readyz")
    assert resp.status_code == 200
    assert resp.get_json() == {"status": "ok", "database": "ok", "migrations": "ok"}
    assert resp.headers["Cache-Control"] == "no-store" and "Set-Cookie" not in resp.headers


def test_readyz_answers_503_when_the_database_is_down(test_config):
    app = create_app(dict(test_config, DATABASE_URL=DOWN))
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "unavailable", "database": "unavailable", "migrations": "unknown"}


@pytest.mark.parametrize("revision,answer", [("line_price_rate_1", "behind"),
                                             ("from_a_newer_release", "unknown revision")])
def test_readyz_answers_503_unless_the_migrations_are_at_head(app, client, revision, answer):
    engine = db.get(app).engine
    (head,) = migration_heads()
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": revision})
    try:
        resp = client.get("/readyz")
    finally:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": head})
    assert resp.status_code == 503 and resp.get_json()["migrations"] == answer
    assert client.get("/readyz").status_code == 200


def test_readyz_checks_the_redis_of_the_rate_limits_when_one_is_configured(test_config):
    app = create_app(dict(test_config, RATELIMIT_STORAGE_URL="redis://127.0.0.1:1/0"))
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503
    assert resp.get_json() == {"status": "unavailable", "database": "ok", "migrations": "ok", "redis": "unavailable"}


def test_readyz_reports_a_reachable_redis(test_config):
    import redis

    try:
        redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=0.5).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    app = create_app(dict(test_config, RATELIMIT_STORAGE_URL="redis://127.0.0.1:6379/15"))
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 200 and resp.get_json()["redis"] == "ok"


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_probes_never_load_the_login_session_a_cookie_brings(app, client, session, path, monkeypatch):
    """A monitoring check sent with a customer's cookie reads no session record (and needs no login)."""
    customer = factories.make_customer(session)
    session.commit()
    factories.give_session(client, session, customer)
    from hostico.web import login_session

    monkeypatch.setattr(login_session, "load_user", lambda *_: pytest.fail("the session was loaded"))
    app.login_manager.user_loader(login_session.load_user)
    assert client.get(path).status_code == 200
