"""Outbox throughput: 10,000 SMS through 1 and 4 worker processes on PostgreSQL to a local fake
Twilio-compatible provider over HTTP. Prints messages per second and checks that nothing was sent twice.

    python -m bench.outbox                      # a temporary database on the local PostgreSQL
    python -m bench.outbox --database-url URL   # an existing, migrated database (bench rows are added)
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
import uuid

from tests.fakes.sms import serve_counting_provider

SID = "AC" + "b" * 32
TARGET_MSGS_PER_S = 1_000  # with 4 workers (issue 25); bench/run.py uses the same figure


def _worker(database_url: str, provider_url: str, n: int, barrier, results) -> None:
    from sqlalchemy.orm import Session

    from hostico.db import make_engine
    from hostico.notify.settings import NotifySettings
    from hostico.notify.worker import deliver_due

    engine = make_engine(database_url, pool_size=2)
    settings = NotifySettings(sms_backend="twilio", sms_api_url=provider_url, sms_account_sid=SID,
                              sms_api_key="bench", sms_hours="00:00-24:00", batch_size=100)
    with engine.connect():
        pass  # connect before the clock starts
    barrier.wait()
    handled = deliver_due(lambda: Session(bind=engine, expire_on_commit=False), settings, worker_id=f"bench-{n}")
    results.put((n, handled, time.perf_counter()))
    engine.dispose()


def _seed(database_url: str, messages: int, run_id: str) -> int:
    """Queue `messages` rendered SMS for one opted-in customer; return the customer's id."""
    from sqlalchemy import insert
    from sqlalchemy.orm import Session

    from hostico.db import make_engine
    from hostico.models import Customer, OutboxMessage, utcnow

    engine = make_engine(database_url)
    now = utcnow()
    with Session(bind=engine) as session:
        customer = Customer(email=f"bench-{run_id}@example.invalid", password_hash="!", name="Bench",
                            phone_e164="+40722000000", sms_opt_in=True, sms_consent_at=now)
        session.add(customer)
        session.flush()
        rows = [dict(channel="sms", event="suspension", dedupe_key=f"bench:{run_id}:{i}", customer_id=customer.id,
                     recipient="+40722000000", template="suspension", context={}, status="pending", attempts=0,
                     next_attempt_at=now, created_at=now,
                     body_text=f"Hostico: bench {run_id} message {i} is suspended (unpaid invoice).")
                for i in range(messages)]
        for start in range(0, messages, 2000):
            session.execute(insert(OutboxMessage), rows[start:start + 2000])
        session.commit()
        customer_id = customer.id
    engine.dispose()
    return customer_id


def _check(database_url: str, customer_id: int) -> dict:
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from hostico.db import make_engine
    from hostico.models import OutboxMessage

    engine = make_engine(database_url)
    with Session(bind=engine) as session:
        rows = session.execute(
            select(OutboxMessage.status, func.count(), func.max(OutboxMessage.attempts))
            .where(OutboxMessage.customer_id == customer_id).group_by(OutboxMessage.status)
        ).all()
    engine.dispose()
    return {status: {"count": count, "max_attempts": attempts} for status, count, attempts in rows}


def run(database_url: str, workers: int, messages: int = 10_000) -> dict:
    """Deliver `messages` SMS with `workers` processes; return throughput and duplicate checks."""
    import httpx

    ctx = mp.get_context("spawn")
    port_queue = ctx.Queue()
    provider = ctx.Process(target=serve_counting_provider, args=(port_queue,), daemon=True)
    provider.start()
    provider_url = f"http://127.0.0.1:{port_queue.get(timeout=30)}"
    run_id = uuid.uuid4().hex[:8]
    try:
        customer_id = _seed(database_url, messages, run_id)
        barrier, results = ctx.Barrier(workers + 1), ctx.Queue()
        procs = [ctx.Process(target=_worker, args=(database_url, provider_url, n, barrier, results))
                 for n in range(workers)]
        for p in procs:
            p.start()
        barrier.wait(timeout=120)
        started = time.perf_counter()
        finished = [results.get(timeout=600) for _ in procs]
        for p in procs:
            p.join(30)
        seconds = max(at for _, _, at in finished) - started
        stats = httpx.get(provider_url).json()
        statuses = _check(database_url, customer_id)
    finally:
        provider.terminate()
        provider.join(5)
    sent = statuses.get("sent", {}).get("count", 0)
    return {
        "workers": workers, "messages": messages, "seconds": round(seconds, 3),
        "msgs_per_s": round(messages / seconds, 1), "handled_per_worker": sorted(h for _, h, _ in finished),
        "sent": sent, "statuses": statuses, "provider_requests": stats["requests"],
        "provider_unique": stats["unique"],
        "no_duplicates": stats["requests"] == stats["unique"] == messages == sent
        and statuses.get("sent", {}).get("max_attempts") == 1,
    }


def _temporary_database() -> tuple[str, callable]:
    from sqlalchemy import create_engine, text

    base = os.environ.get("HOSTICO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    name = "hostico_bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return base.rsplit("/", 1)[0] + "/" + name, drop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="a PostgreSQL URL (default: a temporary database)")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4])
    args = parser.parse_args(argv)
    drop = None
    url = args.database_url
    if not url:
        url, drop = _temporary_database()
    try:
        from hostico.db import upgrade

        upgrade(url)
        ok = True
        for workers in args.workers:
            result = run(url, workers, args.messages)
            print(f"{workers} worker(s): {result['messages']} SMS in {result['seconds']:.2f} s = "
                  f"{result['msgs_per_s']:.0f} msg/s; provider got {result['provider_requests']} "
                  f"({result['provider_unique']} distinct); no duplicates: {result['no_duplicates']}; "
                  f"per worker {result['handled_per_worker']}")
            ok = ok and result["no_duplicates"]
            if workers == 4 and result["msgs_per_s"] < TARGET_MSGS_PER_S:
                print(f"  below the target of {TARGET_MSGS_PER_S} msg/s with 4 workers")
                ok = False
    finally:
        if drop:
            drop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
