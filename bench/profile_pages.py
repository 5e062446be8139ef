"""Profile the two benchmarked pages in-process: where does a request of /invoices or /m/<token> spend its time?

    python bench/profile_pages.py                      # PostgreSQL when it answers, 200 requests each
    python bench/profile_pages.py --engine sqlite --requests 500 --top 40
    python bench/profile_pages.py --cpu --rounds 7     # ms of CPU per request, baseline and pages interleaved

Runs the production configuration (as bench/product_wsgi.py) through Flask's test client under cProfile and
prints the functions with the most cumulative and own time, plus the SQL statements per request.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import io
import os
import pstats
import re
import sys
import tempfile
import time
from urllib.parse import urlsplit

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._common import (  # noqa: E402
    PASSWORD,
    SECRET_KEY,
    WEBHOOK_SECRET,
    analyze,
    postgres_available,
    scratch_database,
    seed_customer,
)
from hostico.web.database import db  # noqa: E402

BASE = "https://bench.example"  # production cookies are Secure: the test client must speak https


def _app(url: str):
    from hostico.web.app import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "WEBHOOK_SECRET": WEBHOOK_SECRET,
                       "ENV": "production", "RATELIMIT_ENABLED": False, "BASE_URL": BASE})


def _login(app, email: str):
    client = app.test_client()
    page = client.get("/login", base_url=BASE).get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token}, base_url=BASE,
                       headers={"Referer": BASE + "/login"})
    assert resp.status_code in (302, 303), resp.status_code
    return client


def _links(url: str, seeded: dict, count: int) -> list[str]:
    from sqlalchemy.orm import Session

    from hostico.db import make_engine
    from hostico.maillogin.links import invoice_link

    engine = make_engine(url)
    with Session(engine) as s:
        paths = [urlsplit(invoice_link(s, customer_id=seeded["customer_id"], invoice_id=seeded["invoice_ids"][code],
                                       invoice_code=code, sent_at=dt.datetime.now(dt.UTC), base_url=BASE,
                                       secret_key=SECRET_KEY)).path
                 for code in seeded["proforma_codes"][:count]]
        s.commit()
    engine.dispose()
    return paths


def _profile(label: str, fire, requests: int, top: int, engine) -> None:
    from sqlalchemy import event


    fire(0)  # warm-up: templates compile, connections open
    start = time.perf_counter()
    for i in range(requests):
        fire(i)
    plain = (time.perf_counter() - start) / requests * 1000
    statements: list[str] = []
    listener = lambda *a: statements.append(a[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    fire(1)
    event.remove(engine, "before_cursor_execute", listener)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for i in range(requests):
        fire(i)
    profiler.disable()
    elapsed = time.perf_counter() - start
    print(f"\n=== {label}: {requests} requests, {plain:.2f} ms each ({elapsed / requests * 1000:.2f} profiled), "
          f"{len(statements)} SQL statements per request")
    for sql in statements:
        print("   SQL:", " ".join(sql.split())[:150])
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(order).print_stats(top)
        print(out.getvalue())


def _cpu(pages: dict, requests: int, rounds: int) -> None:
    """Print the process CPU (time.process_time) per request of each page, in interleaved rounds, and each
    page's median ratio to the baseline's CPU (the in-process counterpart of bench/run.py's paired rounds)."""
    for fire in pages.values():
        for i in range(20):
            fire(i)  # warm-up: templates compile, statements prepare
    per_round: list[dict[str, float]] = []
    for _ in range(rounds):
        measured = {}
        for label, fire in pages.items():
            start = time.process_time()
            for i in range(requests):
                fire(i)
            measured[label] = (time.process_time() - start) / requests * 1000
        per_round.append(measured)
    for label in pages:
        values = sorted(r[label] for r in per_round)
        line = f"{label:12} {values[len(values) // 2]:.3f} ms CPU/request (min {values[0]:.3f}, max {values[-1]:.3f})"
        if label != "baseline" and "baseline" in pages:
            ratios = sorted(r["baseline"] / r[label] for r in per_round)
            line += f"  baseline/page {ratios[len(ratios) // 2]:.2f}"
        print(line)


def main() -> int:
    """Seed a scratch database, then profile /invoices (logged in) and /m/<token> (anonymous)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("auto", "sqlite", "postgres"), default="auto")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--only", default="baseline,invoices,mail")
    parser.add_argument("--cpu", action="store_true", help="measure ms of CPU per request instead of profiling")
    parser.add_argument("--rounds", type=int, default=5, help="--cpu: interleaved rounds (the median is printed)")
    args = parser.parse_args()
    engine = args.engine if args.engine != "auto" else ("postgres" if postgres_available() else "sqlite")
    with tempfile.TemporaryDirectory(prefix="hostico-profile-") as tmp, scratch_database(engine, tmp) as url:
        seeded = seed_customer(url, 200)
        links = _links(url, seeded, 10)
        if "baseline" in args.only:
            from bench import baseline_app

            baseline_app.prepare(url)
        analyze(url)
        app = _app(url)
        pages = {}
        if "baseline" in args.only:
            from bench import baseline_app

            base_client = baseline_app.create_baseline(url).test_client()
            pages["baseline"] = lambda _i: base_client.get("/")
        if "invoices" in args.only:
            client = _login(app, seeded["email"])

            def invoices(_i: int) -> None:
                resp = client.get("/invoices", base_url=BASE)
                assert resp.status_code == 200, resp.status_code

            pages["/invoices"] = invoices
        if "mail" in args.only:
            def mail(i: int) -> None:
                resp = app.test_client().get(links[i % len(links)], base_url=BASE)  # a fresh visitor each time
                assert resp.status_code == 303, resp.status_code

            pages["/m/<token>"] = mail
        if args.cpu:
            _cpu(pages, args.requests, args.rounds)
        else:
            for label, fire in pages.items():
                _profile("baseline /" if label == "baseline" else label, fire, args.requests, args.top,
                         db.get(app).engine)
        db.get(app).engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
