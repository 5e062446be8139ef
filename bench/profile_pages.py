"""Profile the two benchmarked pages in-process: where does a request of /invoices or /m/<token> spend its time?

    python bench/profile_pages.py                      # PostgreSQL when it answers, 200 requests each
    python bench/profile_pages.py --engine sqlite --requests 500 --top 40

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

from bench._common import PASSWORD, SECRET_KEY, WEBHOOK_SECRET, postgres_available, scratch_database, seed_customer  # noqa: E402
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


def main() -> int:
    """Seed a scratch database, then profile /invoices (logged in) and /m/<token> (anonymous)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("auto", "sqlite", "postgres"), default="auto")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--only", default="baseline,invoices,mail")
    args = parser.parse_args()
    engine = args.engine if args.engine != "auto" else ("postgres" if postgres_available() else "sqlite")
    with tempfile.TemporaryDirectory(prefix="hostico-profile-") as tmp, scratch_database(engine, tmp) as url:
        seeded = seed_customer(url, 200)
        links = _links(url, seeded, 10)
        app = _app(url)
        if "baseline" in args.only:
            from bench import baseline_app

            baseline_app.prepare(url)
            base_client = baseline_app.create_baseline(url).test_client()
            _profile("baseline /", lambda _i: base_client.get("/"), args.requests, args.top, db.get(app).engine)
        if "invoices" in args.only:
            client = _login(app, seeded["email"])

            def invoices(_i: int) -> None:
                resp = client.get("/invoices", base_url=BASE)
                assert resp.status_code == 200, resp.status_code

            _profile("/invoices", invoices, args.requests, args.top, db.get(app).engine)
        if "mail" in args.only:
            def mail(i: int) -> None:
                resp = app.test_client().get(links[i % len(links)], base_url=BASE)  # a fresh visitor each time
                assert resp.status_code == 303, resp.status_code

            _profile("/m/<token>", mail, args.requests, args.top, db.get(app).engine)
        db.get(app).engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
