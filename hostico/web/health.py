"""`/healthz` (the process answers) and `/readyz` (it can serve: database, migrations, Redis) for load balancers
and orchestrators (docs/operations.md, Health and metrics). Public, no session, no CSRF, never cached."""

from __future__ import annotations

import functools
import logging

from flask import Flask, jsonify
from sqlalchemy import text

from hostico.db import alembic_config
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db
from hostico.web.security import public, sessionless

log = logging.getLogger("hostico.health")
REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://", "unix://", "redis+sentinel://", "redis+cluster://")


def init_app(app: Flask) -> None:
    """Register the two probes."""
    app.add_url_rule("/healthz", "healthz", healthz)
    app.add_url_rule("/readyz", "readyz", readyz)


@public
@sessionless
def healthz():
    """Answer 200 while the process serves requests: no database, so a database outage never restarts it."""
    return jsonify(status="ok")


@functools.cache
def _scripts():
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config("sqlite://"))


def migration_heads() -> frozenset[str]:
    """The head revision(s) of the migrations shipped with this code."""
    return frozenset(_scripts().get_heads())


@functools.cache
def known_revisions() -> frozenset[str]:
    """Every revision shipped with this code (read once per process)."""
    return frozenset(script.revision for script in _scripts().walk_revisions())


def _database() -> tuple[str, str]:
    """("ok", "ok"), or what is wrong with the database and with its schema."""
    try:
        applied = set(db.session.execute(text("SELECT version_num FROM alembic_version")).scalars())
    except Exception:  # noqa: BLE001 - unreachable, or no schema yet: not ready either way
        db.session.rollback()
        try:
            db.session.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001
            db.session.rollback()
            log.warning("readiness: database unavailable", exc_info=True)
            return "unavailable", "unknown"
        return "ok", "missing"
    if applied == migration_heads():
        return "ok", "ok"
    # Behind: `db upgrade` has not run yet. Unknown: the database is newer than this code (a host not yet upgraded).
    return "ok", "behind" if applied <= known_revisions() else "unknown revision"


def _redis() -> str | None:
    """"ok" or "unavailable" for the Redis the rate limits are kept in; None when none is configured."""
    url = app_settings().ratelimit_storage_url
    if not url.startswith(REDIS_SCHEMES):
        return None
    from limits.storage import storage_from_string

    try:
        return "ok" if storage_from_string(url, socket_timeout=2, socket_connect_timeout=2).check() else "unavailable"
    except Exception:  # noqa: BLE001 - any failure to reach it means "not ready"
        log.warning("readiness: redis unavailable", exc_info=True)
        return "unavailable"


@public
@sessionless
def readyz():
    """Answer 200 when the database answers with its migrations at head (and Redis, when configured), else 503."""
    database, migrations = _database()
    checks = {"database": database, "migrations": migrations}
    redis = _redis()
    if redis is not None:
        checks["redis"] = redis
    ready = all(value == "ok" for value in checks.values())
    return jsonify(status="ok" if ready else "unavailable", **checks), 200 if ready else 503
