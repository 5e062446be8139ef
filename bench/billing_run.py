"""Time the daily billing run on a large database: `python bench/billing_run.py [services] [due]`.

Builds `services` active services (default 100,000) of which `due` (default 10,000) fall due within
the renewal window, with a tenth of the customers opted in to SMS, then runs the billing run in a
fresh process and reports its wall time, services due per second, peak memory (the process's maximum
resident set, Python included), its CPU time and, when PostgreSQL runs on this machine, its server
processes' CPU time (read from /proc; on a shared machine these two say more than the wall time) and SQL
statements per batch (a COPY is not counted). The targets: 100,000 services with 10,000 due in under 10 s on
PostgreSQL and under 300 MB; 1,000,000 services with 100,000 due (`python bench/billing_run.py 1000000 100000
--postgres-only`) in at most 60 s and 300 MB. On PostgreSQL the data set is built with INSERT ... SELECT
FROM generate_series (a million services in seconds); on SQLite with batched inserts.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
import tempfile
import time
import uuid
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

TODAY = dt.date(2026, 6, 1)
PG_ADMIN_URL = os.environ.get("HOSTICO_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def build(database_url: str, services: int, due: int) -> None:
    """Create the schema and `services` services, `due` of them due within the renewal window."""
    from sqlalchemy import insert

    from hostico.billing.settings import BillingSettings
    from hostico.db import make_engine, upgrade
    from hostico.models import BillingProfile, Customer, Price, Product, Service, utcnow

    upgrade(database_url)
    window = BillingSettings().renewal_days_before
    engine = make_engine(database_url)
    customers = max(services // 5, 1)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(insert(Product), [{"id": 1, "code": "bench", "name": "Bench", "description": "",
                                        "active": True, "created_at": now}])
        conn.execute(insert(Price), [{"product_id": 1, "cycle": "monthly", "amount": Decimal("19.00"),
                                      "currency": "RON"}])
        step = 20_000
        for start in range(0, customers, step):
            conn.execute(insert(Customer), [
                {"id": i + 1, "email": f"c{i}@bench.example", "password_hash": "x", "name": f"Customer {i}",
                 "phone_e164": "+40722000000" if i % 10 == 0 else None, "sms_opt_in": i % 10 == 0,
                 "language": "ro", "session_epoch": 1, "totp_enabled": False, "created_at": now}
                for i in range(start, min(start + step, customers))])
            # Every customer has complete billing data: a renewal is never issued without it.
            conn.execute(insert(BillingProfile), [
                {"id": i + 1, "customer_id": i + 1, "kind": "person", "name": f"Customer {i}",
                 "address": "Str. Lungă nr. 5", "city": "Brașov", "county": "RO-BV", "country": "RO",
                 "is_default": True, "approval": "approved", "used_for_invoicing": True, "created_at": now}
                for i in range(start, min(start + step, customers))])
        for start in range(0, services, step):
            rows = []
            for i in range(start, min(start + step, services)):
                # Spread the due ones over the window and the others over the year after it.
                if i % (services // due if due else services + 1) == 0 and i // max(services // due, 1) < due:
                    next_due = TODAY + dt.timedelta(days=i % (window + 1))
                else:
                    next_due = TODAY + dt.timedelta(days=window + 1 + i % 330)
                rows.append({"id": i + 1, "customer_id": i % customers + 1, "product_id": 1, "domain": f"s{i}.ro",
                             "cycle": "monthly", "price": Decimal("19.00"), "currency": "RON", "status": "active",
                             "next_due_date": next_due, "created_at": now})
            conn.execute(insert(Service), rows)
    engine.dispose()


def _defaults_sql(table, given: set[str]) -> dict[str, str]:
    """SQL literals for the NOT NULL columns a bulk INSERT ... SELECT does not name (their model defaults),
    so the fast build keeps working when a column is added."""
    out = {}
    for col in table.columns:
        if col.name in given or col.nullable or col.primary_key:
            continue
        default = col.default.arg if col.default is not None and col.default.is_scalar else None
        if isinstance(default, bool):
            out[col.name] = "true" if default else "false"
        elif isinstance(default, int | float):
            out[col.name] = str(default)
        elif isinstance(default, str):
            out[col.name] = "'" + default.replace("'", "''") + "'"
        elif col.default is not None and col.default.is_callable:
            out[col.name] = "now()"  # created_at and the like
    return out


def build_postgres(database_url: str, services: int, due: int) -> None:
    """Create the data set with INSERT ... SELECT FROM generate_series: 1,000,000 services in seconds."""
    from sqlalchemy import text

    from hostico.billing.settings import BillingSettings
    from hostico.db import make_engine, upgrade
    from hostico.models import BillingProfile, Customer, Price, Product, Service

    upgrade(database_url)
    window = BillingSettings().renewal_days_before
    customers = max(services // 5, 1)
    step = max(services // due, 1) if due else services + 1

    def insert_select(model, columns: dict[str, str], count: int) -> str:
        columns = {**columns, **_defaults_sql(model.__table__, set(columns))}
        return (f"INSERT INTO {model.__tablename__} ({', '.join(columns)}) "
                f"SELECT {', '.join(columns.values())} FROM generate_series(0, {count - 1}) AS i")

    next_due = (f"CASE WHEN i % {step} = 0 AND i / {step} < {due} THEN DATE '{TODAY}' + (i % {window + 1}) "
                f"ELSE DATE '{TODAY}' + {window + 1} + (i % 330) END")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(insert_select(Product, {"id": "1", "code": "'bench'", "name": "'Bench'",
                                                  "description": "''", "active": "true"}, 1)))
        conn.execute(text(insert_select(Price, {"product_id": "1", "cycle": "'monthly'", "amount": "1900",
                                                "currency": "'RON'"}, 1)))
        conn.execute(text(insert_select(Customer, {
            "id": "i + 1", "email": "'c' || i || '@bench.example'", "password_hash": "'x'", "name": "'Customer ' || i",
            "phone_e164": "CASE WHEN i % 10 = 0 THEN '+40722000000' END", "sms_opt_in": "i % 10 = 0",
            "language": "'ro'"}, customers)))
        conn.execute(text(insert_select(BillingProfile, {
            "id": "i + 1", "customer_id": "i + 1", "kind": "'person'", "name": "'Customer ' || i",
            "address": "'Str. Lungă nr. 5'", "city": "'Brașov'", "county": "'RO-BV'", "country": "'RO'",
            "is_default": "true", "approval": "'approved'", "used_for_invoicing": "true"}, customers)))
        conn.execute(text(insert_select(Service, {
            "id": "i + 1", "customer_id": f"i % {customers} + 1", "product_id": "1", "domain": "'s' || i || '.ro'",
            "cycle": "'monthly'", "price": "1900", "currency": "'RON'", "status": "'active'",
            "next_due_date": next_due, "anchor_day": f"EXTRACT(DAY FROM {next_due})::int"}, services)))
        for table in ("customers", "billing_profiles", "services", "products", "prices"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _backend_cpu(engine) -> dict[int, float]:
    """CPU seconds (user + system) of each PostgreSQL backend serving the bench's database, read from /proc: the
    server's share of the run, apart from this process's; {} when the server is not on this machine."""
    from sqlalchemy import text

    from bench._common import proc_cpu_seconds

    with engine.connect() as conn:
        pids = conn.scalars(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database()")).all()
    return {pid: seconds for pid in pids if (seconds := proc_cpu_seconds(pid)) is not None}


def _timed_run(database_url: str, queue) -> None:
    import resource

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    from hostico.billing.run import run_billing
    from hostico.billing.settings import BillingSettings
    from hostico.db import make_engine

    engine = make_engine(database_url)
    statements = {"n": 0}
    event.listen(engine, "before_cursor_execute", lambda *a: statements.__setitem__("n", statements["n"] + 1))
    session = Session(bind=engine, expire_on_commit=False)
    postgres = database_url.startswith("postgresql")
    probe = make_engine(database_url) if postgres else None  # its statements are not the run's
    backends = _backend_cpu(probe) if probe is not None else {}
    cpu_started = time.process_time()
    started = time.perf_counter()
    summary = run_billing(session, BillingSettings(), TODAY, batch_size=500)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    server_cpu = None
    if probe is not None:
        after = _backend_cpu(probe)
        server_cpu = sum(seconds - backends.get(pid, 0.0) for pid, seconds in after.items()) if after else None
        probe.dispose()
    session.close()
    engine.dispose()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"seconds": elapsed, "cpu_seconds": cpu, "postgres_cpu_seconds": server_cpu, "peak_mb": peak_mb,
               "statements": statements["n"], "summary": summary})


def run(database_url: str, services: int = 100_000, due: int = 10_000) -> dict:
    """Build the data set in database_url (an empty database) and time one billing run on it."""
    started = time.perf_counter()
    (build_postgres if database_url.startswith("postgresql") else build)(database_url, services, due)
    build_seconds = time.perf_counter() - started
    ctx = multiprocessing.get_context("spawn")  # a fresh process: its peak memory is the run's alone
    queue = ctx.Queue()
    proc = ctx.Process(target=_timed_run, args=(database_url, queue))
    proc.start()
    result = queue.get(timeout=3600)
    proc.join()
    summary = result["summary"]
    return {
        "services": services, "due": due, "build_seconds": round(build_seconds, 1),
        "seconds": round(result["seconds"], 2), "cpu_seconds": round(result["cpu_seconds"], 2),
        **({"postgres_cpu_seconds": round(result["postgres_cpu_seconds"], 2)}
           if result["postgres_cpu_seconds"] is not None else {}),
        "services_per_second": round(summary["services_scanned"] / result["seconds"]) if result["seconds"] else None,
        "peak_mb": round(result["peak_mb"], 1),
        "statements": result["statements"], "batches": summary["batches"],
        "proformas_issued": summary["proformas_issued"], "reminders": summary["reminders"],
        "suspensions": summary["suspensions"],
    }


def _postgres_database() -> tuple[str, callable]:
    from sqlalchemy import create_engine, text

    name = "hostico_bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name, drop


def _print(engine: str, figures: dict) -> None:
    server = (f", {figures['postgres_cpu_seconds']:.2f} s in PostgreSQL's" if "postgres_cpu_seconds" in figures
              else "")
    print(f"{engine:10} {figures['services']:>8} services, {figures['due']:>6} due: "
          f"{figures['seconds']:>6.2f} s ({figures['cpu_seconds']:.2f} s CPU in the run's process{server}), "
          f"{figures['services_per_second']:>6} due services/s, "
          f"peak {figures['peak_mb']:>6.1f} MB, {figures['proformas_issued']} proformas, "
          f"{figures['statements']} SQL statements in {figures['batches']} batches "
          f"(data built in {figures['build_seconds']} s)")


def main(argv: list[str]) -> None:
    postgres_only = "--postgres-only" in argv
    argv = [a for a in argv if a != "--postgres-only"]
    services = int(argv[1]) if len(argv) > 1 else 100_000
    due = int(argv[2]) if len(argv) > 2 else 10_000
    if not postgres_only:
        with tempfile.TemporaryDirectory() as tmp:
            _print("sqlite", run("sqlite:///" + os.path.join(tmp, "bench.sqlite3"), services, due))
    try:
        url, drop = _postgres_database()
    except Exception as exc:  # noqa: BLE001 - the bench still reports SQLite
        print(f"postgresql skipped: {exc.__class__.__name__}: {exc}")
        return
    try:
        _print("postgresql", run(url, services, due))
    finally:
        drop()


if __name__ == "__main__":
    main(sys.argv)
