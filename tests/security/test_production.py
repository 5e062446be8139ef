"""The production path: gunicorn with the shipped config, logs without secrets, proxy headers, /healthz."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from hostico.maillogin.redact import redact
from hostico.web.app import create_app

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")


def test_readyz_answers_503_when_the_database_is_down(test_config):
    """The probes' own tests are in tests/web/test_health.py; this is the production-facing contract."""
    app = create_app(dict(test_config, DATABASE_URL="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    resp = app.test_client().get("/readyz")
    assert resp.status_code == 503 and resp.get_json()["database"] == "unavailable"
    assert app.test_client().get("/healthz").status_code == 200


@pytest.mark.parametrize("line,secret", [
    ("GET /m/eyJhbGciOi.abc.def HTTP/1.1", "eyJhbGciOi"),
    ("GET /invoices?token=s3cr3t&x=1", "s3cr3t"),
    ("login failed password=hunter2 for x", "hunter2"),
    ("link http://h/m/tok-123?utm=1 sent", "tok-123"),
])
def test_redact_removes_tokens_queries_and_passwords(line, secret):
    assert secret not in redact(line)
    assert "[redacted]" in redact(line)


@pytest.mark.parametrize("logger_name", ["hostico", "hostico.notify.worker", "werkzeug", "some.library"])
def test_log_records_of_any_logger_are_redacted(app, caplog, logger_name):
    with caplog.at_level(logging.INFO):
        logging.getLogger(logger_name).info("mail link %s clicked, password=%s", "/m/eyJraWQiOiJ4In0.p.s", "hunter2")
    assert "eyJraWQiOiJ4In0" not in caplog.text and "hunter2" not in caplog.text
    assert "/m/[redacted]" in caplog.text


def test_proxy_fix_trusts_one_proxy_for_client_ip_and_scheme(test_config):
    app = create_app(dict(test_config, PROXY_FIX=1))
    seen = {}

    @app.route("/_probe")
    def probe():
        from flask import request

        seen.update(ip=request.remote_addr, secure=request.is_secure)
        return "ok"

    app.view_functions["probe"].is_public = True
    app.test_client().get("/_probe", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert seen == {"ip": "203.0.113.7", "secure": True}


def test_without_proxy_fix_forwarded_headers_are_ignored(test_config):
    app = create_app(test_config)
    seen = {}

    @app.route("/_probe")
    def probe():
        from flask import request

        seen.update(ip=request.remote_addr)
        return "ok"

    app.view_functions["probe"].is_public = True
    app.test_client().get("/_probe", headers={"X-Forwarded-For": "203.0.113.7"})
    assert seen == {"ip": "127.0.0.1"}  # a client cannot pick its own rate-limit key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_gunicorn_serves_the_app_and_its_access_log_keeps_no_tokens(database_url, tmp_path):
    port = _free_port()
    log = tmp_path / "access.log"
    from tests.conftest import PRODUCTION_SECRETS

    env = dict(os.environ, HOSTICO_DATABASE_URL=database_url, HOSTICO_ENV="production",
               **{f"HOSTICO_{name}": value for name, value in PRODUCTION_SECRETS.items()},
               GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS="2",
               GUNICORN_ACCESSLOG=str(log), GUNICORN_ERRORLOG=str(tmp_path / "error.log"))
    proc = subprocess.Popen([GUNICORN, "-c", "deploy/gunicorn.conf.py", "wsgi:app"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                health = urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("gunicorn did not answer: " + (tmp_path / "error.log").read_text())
        assert health.status == 200
        assert "max-age" in health.headers["Strict-Transport-Security"]
        for path in ("/m/eyJhbGciOiJIUzI1NiJ9.SECRETPAYLOAD.sig", "/login?next=/invoices&email=leak@example.com"):
            try:
                urllib.request.urlopen(base + path, timeout=5)
            except urllib.error.HTTPError:
                pass
        time.sleep(0.3)  # the access log is written after the response
    finally:
        proc.terminate()
        proc.wait(15)
    text = log.read_text()
    assert "/healthz" in text and "/m/[redacted]" in text and "/login" in text
    assert re.search(r"rid=[0-9a-f]{32}", text)  # the request id the app answered with
    assert "SECRETPAYLOAD" not in text and "leak@example.com" not in text and "next=" not in text


@pytest.mark.slow
def test_the_app_recovers_when_database_connections_are_cut(engine_name, app, client, make, login_as, database_url,
                                                            session):
    """docs/security.md 30: PostgreSQL restarted or connections killed: the next request works without a restart."""
    if engine_name != "postgres":
        pytest.skip("needs a PostgreSQL server whose connections can be terminated")
    from sqlalchemy import create_engine, text

    customer = make.make_customer()
    login_as(client, customer)
    assert client.get("/invoices").status_code == 200
    name = database_url.rsplit("/", 1)[1]
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    others = "FROM pg_stat_activity WHERE datname = :name AND pid <> pg_backend_pid()"
    with admin.connect() as conn:
        killed = conn.execute(text(f"SELECT count(pg_terminate_backend(pid)) {others}"), {"name": name}).scalar()
        # pg_terminate_backend only signals: wait until the server has actually closed those connections
        deadline = time.monotonic() + 10
        while conn.execute(text(f"SELECT count(*) {others}"), {"name": name}).scalar() and time.monotonic() < deadline:
            time.sleep(0.02)
    admin.dispose()
    session.invalidate()  # the test's own connection was cut too
    assert killed >= 1
    assert client.get("/invoices").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_the_access_log_keeps_only_the_atoms_its_format_prints_each_redacted(monkeypatch):
    import runpy

    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    conf = runpy.run_path(os.path.join(ROOT, "deploy", "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("access_log_format", '%(h)s "%(r)s" %(q)s %({Cookie}i)s %({X-CSRFToken}i)s %({referer}i)s %(U)s %(s)s')
    monkeypatch.setattr(Logger, "atoms", lambda *a: {
        "h": "203.0.113.7", "r": "GET /m/eyJ.SECRET.sig?next=/x HTTP/1.1", "q": "email=leak@example.com",
        "U": "/m/eyJ.SECRET.sig", "s": "303", "{cookie}i": "session=SECRETCOOKIE", "{x-csrftoken}i": "SECRETCSRF",
        "{referer}i": "https://hostico.ro/login?token=SECRETREF", "{authorization}i": "Bearer SECRETAUTH",
        "{user-agent}i": "curl/8"})
    atoms = conf["RedactingLogger"](cfg).atoms(None, None, {}, None)
    assert set(atoms) == {"h", "r", "q", "{cookie}i", "{x-csrftoken}i", "{referer}i", "U", "s"}  # nothing unprinted
    assert "SECRET" not in repr(atoms) and "leak@" not in repr(atoms)
    assert atoms["h"] == "203.0.113.7" and atoms["s"] == "303" and atoms["U"] == "/m/[redacted]"
