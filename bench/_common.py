"""Shared pieces of the benchmarks: scratch databases, seeding, gunicorn processes, an HTTP load client."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

PG_ADMIN_URL = os.environ.get("HOSTICO_BENCH_POSTGRES_URL",
                              os.environ.get("HOSTICO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"))
SECRET_KEY = "bench-secret-key-not-for-production"
WEBHOOK_SECRET = "bench-webhook-signing-secret-0f3a9c"  # production refuses to start without its own
PASSWORD = "bench-password-2026"
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")


@dataclass
class Row:
    """One line of the results table."""

    figure: str
    result: str
    target: str = ""
    verdict: str = ""
    detail: str = ""  # the full result, written below the table in bench/results/latest.md


def postgres_available() -> bool:
    """Say whether the PostgreSQL server of PG_ADMIN_URL answers."""
    from sqlalchemy import create_engine

    try:
        engine = create_engine(PG_ADMIN_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


@contextlib.contextmanager
def scratch_database(engine: str, tmpdir: str, *, migrate: bool = True) -> Iterator[str]:
    """Yield the URL of a new empty database on engine ("sqlite" or "postgres"), migrated unless told not to."""
    from sqlalchemy import create_engine, text

    from hostico.db import upgrade

    if engine == "sqlite":
        url = "sqlite:///" + os.path.join(tmpdir, f"bench-{uuid.uuid4().hex[:8]}.sqlite3")
        if migrate:
            upgrade(url)
        yield url
        return
    name = "hostico_bench_" + uuid.uuid4().hex[:10]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        if migrate:
            upgrade(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed_customer(url: str, invoices: int, *, email: str = "bench@example.com", paid_every: int = 4) -> dict:
    """Create a customer with a service and `invoices` invoices (every paid_every-th proforma paid)."""
    from sqlalchemy.orm import Session

    from hostico.accounts.passwords import hash_password
    from hostico.billing.invoicing import LineSpec, create_proforma
    from hostico.billing.payments import record_payment
    from hostico.billing.settings import BillingSettings
    from hostico.db import make_engine
    from hostico.models import BillingProfile, Customer, Price, Product, Service

    settings = BillingSettings()
    engine = make_engine(url)
    today = dt.date.today()
    with Session(engine, expire_on_commit=False) as s:
        product = s.query(Product).filter_by(code="bench").one_or_none()
        if product is None:
            product = Product(code="bench", name="Bench plan", description="bench")
            product.prices = [Price(cycle="monthly", amount=Decimal("19.00"))]
            s.add(product)
        customer = Customer(email=email, password_hash=hash_password(PASSWORD), name="Bench Customer")
        s.add(customer)
        s.flush()
        profile = BillingProfile(customer_id=customer.id, kind="person", name="Bench Customer", cnp="2850315123457",
                                 address="Str. Lungă nr. 5", city="Brașov", county="Brașov", postal_code="500001",
                                 country="RO", is_default=True, used_for_invoicing=True)
        service = Service(customer_id=customer.id, product_id=product.id, domain="bench.ro", cycle="monthly",
                          price=Decimal("19.00"), status="active", next_due_date=today + dt.timedelta(days=30))
        s.add_all([profile, service])
        s.flush()
        made, codes, tax_codes = 0, [], []
        while made < invoices:
            spec = LineSpec(description=f"Hosting bench.ro #{made}", unit_price=Decimal("19.00"), service_id=service.id)
            proforma = create_proforma(s, customer, [spec], origin="system", settings=settings, today=today,
                                       profile=profile)
            made += 1
            codes.append(proforma.code)
            if paid_every and made % paid_every == 0 and made < invoices:
                record_payment(s, proforma.id, amount=proforma.total, method="card", settings=settings, today=today,
                               reference=f"bench-{made}")
                made += 1  # the tax invoice
            if made % 200 == 0:
                s.commit()
        s.commit()
        from sqlalchemy import select

        from hostico.models import Invoice

        tax_codes = list(s.scalars(select(Invoice.code).where(Invoice.customer_id == customer.id,
                                                              Invoice.kind == "tax")))
        result = {"customer_id": customer.id, "email": email, "service_id": service.id, "profile_id": profile.id,
                  "proforma_codes": codes, "tax_codes": tax_codes,
                  "invoice_ids": {c: i for c, i in s.execute(select(Invoice.code, Invoice.id)
                                                             .where(Invoice.customer_id == customer.id))}}
    engine.dispose()
    return result


def analyze(url: str) -> None:
    """VACUUM ANALYZE a seeded PostgreSQL database (nothing on SQLite): the pages are measured with the statistics
    and visibility map a production database has, not planned blind and then, when autovacuum wakes up in the
    middle of a run, planned again differently."""
    if not url.startswith("postgresql"):
        return
    from sqlalchemy import text

    from hostico.db import make_engine

    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def proc_cpu_seconds(pid: int, part: str = "all") -> float | None:
    """User plus system CPU seconds (or only "user" / "sys") of a process on this machine, from /proc/<pid>/stat;
    None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = (int(fields[11]) if part != "sys" else 0) + (int(fields[12]) if part != "user" else 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], *, workers: int, ready_path: str = "/") -> Iterator[int]:
    """Run `gunicorn -c deploy/gunicorn.conf.py app_spec` on a free port until the block ends; yield the port."""
    port = free_port()
    full_env = dict(os.environ, **env, GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_WORKERS=str(workers),
                    GUNICORN_ACCESSLOG="/dev/null", GUNICORN_LOGLEVEL="warning", GUNICORN_MAX_REQUESTS="0",
                    PYTHONPATH=ROOT)
    proc = subprocess.Popen([GUNICORN, "-c", os.path.join(ROOT, "deploy", "gunicorn.conf.py"), app_spec],
                            cwd=ROOT, env=full_env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"gunicorn {app_spec} exited: {proc.stderr.read()[-2000:]}")
            try:
                status, _, _ = request(port, "GET", ready_path)
                if status < 500:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"gunicorn {app_spec} did not answer on {ready_path}")
            time.sleep(0.2)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()


def request(port: int, method: str, path: str, *, body: str | None = None, headers: dict | None = None,
            cookie: str | None = None) -> tuple[int, dict[str, str], str]:
    """Send one HTTP request to 127.0.0.1:port; return (status, headers, body text)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    hdrs = dict(headers or {})
    if cookie:
        hdrs["Cookie"] = cookie
    if body is not None:
        hdrs.setdefault("Content-Type", "application/x-www-form-urlencoded")
    conn.request(method, path, body=body, headers=hdrs)
    resp = conn.getresponse()
    data = resp.read().decode("utf-8", "replace")
    out = {k.lower(): v for k, v in resp.getheaders()}
    out["set-cookie-all"] = "\n".join(v for k, v in resp.getheaders() if k.lower() == "set-cookie")
    conn.close()
    return resp.status, out, data


def login_cookie(port: int, email: str, password: str = PASSWORD) -> str:
    """Log in through the real form over HTTP and return the session cookie ("session=...")."""
    from urllib.parse import urlencode

    def session_cookie(headers: dict) -> str:
        return next(c.split(";", 1)[0] for c in headers["set-cookie-all"].splitlines() if c.startswith("session="))

    _, headers, page = request(port, "GET", "/login")
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    status, headers, _ = request(port, "POST", "/login", cookie=session_cookie(headers),
                                 body=urlencode({"email": email, "password": password, "csrf_token": token}))
    if status not in (302, 303):
        raise RuntimeError(f"login failed with {status}")
    return session_cookie(headers)


def load_tool() -> str:
    """Name the load generator in use: wrk when installed (apt-get install wrk), else Python threads."""
    return "wrk" if shutil.which("wrk") else "python threads"


def load(port: int, paths: list[str], *, seconds: float, threads: int, cookie: str | None = None,
         ok: tuple[int, ...] = (200,)) -> float:
    """Load the paths (round robin) with `threads` concurrent connections for `seconds`; return good requests/s."""
    if shutil.which("wrk"):
        return _load_wrk(port, paths, seconds=seconds, connections=threads, cookie=cookie, ok=ok)
    return _load_threads(port, paths, seconds=seconds, threads=threads, cookie=cookie, ok=ok)


def _load_wrk(port: int, paths: list[str], *, seconds: float, connections: int, cookie: str | None,
              ok: tuple[int, ...]) -> float:
    import tempfile

    # Check the expected status once (wrk only counts non-2xx/3xx, which would miss a redirect to /login).
    status, _, _ = request(port, "GET", paths[0], cookie=cookie)
    if status not in ok:
        raise RuntimeError(f"{paths[0]} answered {status}, expected {ok}")
    lua = "local paths = {" + ", ".join(json.dumps(p) for p in paths) + "}\nlocal i = 0\n"
    lua += "request = function()\n  i = i % #paths + 1\n  return wrk.format(\"GET\", paths[i])\nend\n"
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as fh:
        fh.write(lua)
    cmd = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "-s", fh.name]
    if cookie:
        cmd += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=True).stdout
    os.unlink(fh.name)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: .*?timeout (\d+)", out)
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    good = total - (int(bad.group(1)) if bad else 0) - (int(errors.group(1)) if errors else 0)
    return rate * good / total if total else 0.0


def _load_threads(port: int, paths: list[str], *, seconds: float, threads: int, cookie: str | None = None,
                  ok: tuple[int, ...] = (200,)) -> float:
    stop = time.monotonic() + seconds
    counts = [0] * threads
    errors: list[str] = []

    def worker(i: int) -> None:
        n = i
        while time.monotonic() < stop:
            status, _, _ = request(port, "GET", paths[n % len(paths)], cookie=cookie)
            n += 1
            if status in ok:
                counts[i] += 1
            elif len(errors) < 5:
                errors.append(f"{paths[n % len(paths)]}: {status}")

    start = time.monotonic()
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    elapsed = time.monotonic() - start
    if errors and sum(counts) == 0:
        raise RuntimeError("every request failed: " + "; ".join(errors))
    return sum(counts) / elapsed


def table(rows: list[Row]) -> str:
    """Format rows as a Markdown table (readable in a terminal too)."""
    head = Row("Figure", "Result", "Target", "Verdict")
    all_rows = [head, *rows]
    widths = [max(len(getattr(r, f)) for r in all_rows) for f in ("figure", "result", "target", "verdict")]

    def line(r: Row) -> str:
        cells = [getattr(r, f).ljust(w) for f, w in zip(("figure", "result", "target", "verdict"), widths, strict=True)]
        return "| " + " | ".join(cells) + " |"

    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(head), sep, *(line(r) for r in rows)])
