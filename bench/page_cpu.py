"""Where a page's time goes under gunicorn: CPU per request of the worker and of PostgreSQL, page vs baseline.

    python bench/page_cpu.py                       # /invoices vs the baseline page, 5 rounds of 4 s
    python bench/page_cpu.py --rounds 7 --seconds 6

bench/run.py (section a) reports requests per second, which a shared machine moves by a third within minutes.
This runs the same two servers (deploy/gunicorn.conf.py, one worker each, PostgreSQL) under wrk in alternating
rounds and reads from /proc the CPU time each round cost the worker processes (user and system) and the
database's backends, divided by the requests served: figures a busy machine inflates far less, and that say
whether the Python side or PostgreSQL is the gap. Needs wrk and a local PostgreSQL server.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._common import (  # noqa: E402
    PG_ADMIN_URL,
    SECRET_KEY,
    WEBHOOK_SECRET,
    analyze,
    gunicorn,
    login_cookie,
    proc_cpu_seconds,
    scratch_database,
    seed_customer,
)


def cpu_seconds(pids: list[int], part: str = "all") -> float:
    """User plus system CPU time (or only "user" / "sys") of processes, from /proc/<pid>/stat."""
    return sum(proc_cpu_seconds(pid, part) or 0.0 for pid in pids)


def server_pids(port: int) -> list[int]:
    """The gunicorn processes (arbiter and worker) holding the listening socket on port."""
    out = subprocess.run(["ss", "-ltnp", f"sport = :{port}"], capture_output=True, text=True, check=True).stdout
    return sorted({int(pid) for pid in re.findall(r"pid=(\d+)", out)})


def backend_pids(url: str) -> list[int]:
    """The PostgreSQL backends connected to the database of url."""
    import psycopg

    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (url.rsplit("/", 1)[1],))
        return [row[0] for row in rows]


def wrk(port: int, path: str, seconds: int, cookie: str | None = None) -> int:
    """Load path with wrk (2 connections) for seconds; return the requests served (all must be 2xx/3xx)."""
    cmd = ["wrk", "-t", "1", "-c", "2", "-d", f"{seconds}s"] + (["-H", f"Cookie: {cookie}"] if cookie else [])
    out = subprocess.run([*cmd, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"{path} answered errors under load:\n{out}")
    return int(re.search(r"(\d+) requests in", out).group(1))


def main() -> int:
    """Seed a scratch PostgreSQL database, serve both apps, print median ms of CPU per request."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=4)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hostico-page-cpu-") as tmp, scratch_database("postgres", tmp) as url:
        seeded = seed_customer(url, 200)
        from bench import baseline_app

        baseline_app.prepare(url)
        analyze(url)
        env = {"HOSTICO_DATABASE_URL": url, "HOSTICO_SECRET_KEY": SECRET_KEY, "HOSTICO_ENV": "production",
               "HOSTICO_WEBHOOK_SECRET": WEBHOOK_SECRET, "BENCH_BASELINE_DB": url}
        with gunicorn("bench.baseline_app:app", env, workers=1) as base_port, \
                gunicorn("bench.product_wsgi:app", env, workers=1, ready_path="/healthz") as port:
            cookie = login_cookie(port, seeded["email"])
            pages = {"baseline /": (base_port, "/", None), "/invoices": (port, "/invoices", cookie)}
            for target, path, sent in pages.values():
                wrk(target, path, 2, sent)  # warm-up: templates, connections, prepared statements
            measured: dict[str, dict[str, list[float]]] = {name: {"worker": [], "sys": [], "pg": []} for name in pages}
            for _ in range(args.rounds):
                for name, (target, path, sent) in pages.items():
                    workers, backends = server_pids(target), backend_pids(url)
                    before = (cpu_seconds(workers), cpu_seconds(workers, "sys"), cpu_seconds(backends))
                    served = wrk(target, path, args.seconds, sent)
                    after = (cpu_seconds(workers), cpu_seconds(workers, "sys"), cpu_seconds(backends))
                    for key, start, end in zip(("worker", "sys", "pg"), before, after, strict=True):
                        measured[name][key].append((end - start) / served * 1000)
    medians = {name: {key: statistics.median(values) for key, values in parts.items()}
               for name, parts in measured.items()}
    for name, m in medians.items():
        print(f"{name:12} worker {m['worker']:.3f} ms CPU/request (system {m['sys']:.3f}), "
              f"PostgreSQL {m['pg']:.3f}, together {m['worker'] + m['pg']:.3f}")
    base, page = (m["worker"] + m["pg"] for m in medians.values())
    print(f"baseline/page CPU: {base / page:.2f} (medians of {args.rounds} rounds; wrk and the kernel not counted)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
