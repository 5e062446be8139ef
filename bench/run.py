"""Print every figure of docs/bench.md in one table (and write it to bench/results/latest.md).

    python bench/run.py            # full sizes (several minutes)
    python bench/run.py --quick    # small sizes, for a smoke run
    python bench/run.py --docs     # and put the table into docs/bench.md
    python bench/run.py --only a,b # some sections: a pages/s, b SQL per page, c billing run, d outbox, e PDF,
                                   # f e-Factura, g sales journal

A piece that is not built yet shows as "missing: ..." in its row instead of stopping the run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.util
import os
import platform
import statistics
import sys
import tempfile
import time
import traceback
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench._common import (  # noqa: E402
    PASSWORD,
    ROOT,
    SECRET_KEY,
    WEBHOOK_SECRET,
    Row,
    analyze,
    gunicorn,
    load,
    load_tool,
    login_cookie,
    postgres_available,
    scratch_database,
    seed_customer,
    table,
)

RESULTS = os.path.join(ROOT, "bench", "results", "latest.md")


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


# The figures a reader looks for first in the dicts that bench/billing_run.py and bench/outbox.py return.
HEADLINE_KEYS = ("seconds", "services_per_second", "msgs_per_s", "per_second", "proformas_issued", "sent",
                 "statements", "no_duplicates", "peak_mb")


def _fmt_dict(result: dict, keys: tuple[str, ...] | None = None) -> str:
    shown = [k for k in (keys or ()) if k in result] or list(result)
    return ", ".join(f"{k}={_fmt(result[k])}" for k in shown)


def _bench_module(name: str):
    """Import bench.<name> if it exists, else None."""
    if importlib.util.find_spec(f"bench.{name}") is None:
        return None
    return importlib.import_module(f"bench.{name}")


def _app(url: str):
    from hostico.web.app import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "RATELIMIT_ENABLED": False,
                       "SMS_HOURS": "00:00-24:00", "SMTP_PORT": 1})


def _client_login(app, email: str):
    import re

    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    resp = client.post("/login", data={"email": email, "password": PASSWORD, "csrf_token": token})
    if resp.status_code not in (302, 303):
        raise RuntimeError(f"login answered {resp.status_code}")
    return client


# (a) requests per second under gunicorn ------------------------------------------------------------

def mail_link_paths(url: str, seeded: dict, base_url: str, count: int = 10) -> list[str] | str:
    """Mint mail-login links for seeded invoices; return their paths, or a "missing: ..." text."""
    from urllib.parse import urlsplit

    from sqlalchemy.orm import Session

    from hostico.db import make_engine
    from hostico.maillogin.links import invoice_link

    engine = make_engine(url)
    paths = []
    with Session(engine) as s:
        for code in seeded["proforma_codes"][:count]:
            link = invoice_link(s, customer_id=seeded["customer_id"], invoice_id=seeded["invoice_ids"][code],
                                invoice_code=code, sent_at=dt.datetime.now(dt.UTC), base_url=base_url,
                                secret_key=SECRET_KEY)
            paths.append(urlsplit(link).path)
        s.commit()
    engine.dispose()
    if not paths[0].startswith("/m/"):
        return f"missing: mail-login links (invoice_link returns {paths[0]}, not /m/<token>)"
    return paths


def section_pages(args, engine: str, tmp: str) -> list[Row]:
    from bench import baseline_app

    rows = []
    workers = (os.cpu_count() or 1) * 2 + 1
    with scratch_database(engine, tmp) as url:
        seeded = seed_customer(url, 200)
        baseline_app.prepare(url)
        analyze(url)
        env = {"HOSTICO_DATABASE_URL": url, "HOSTICO_SECRET_KEY": SECRET_KEY, "HOSTICO_ENV": "production",
               "HOSTICO_WEBHOOK_SECRET": WEBHOOK_SECRET, "BENCH_BASELINE_DB": url}
        with gunicorn("bench.baseline_app:app", env, workers=workers) as base_port, \
                gunicorn("bench.product_wsgi:app", env, workers=workers, ready_path="/healthz") as port:
            env_base = f"http://127.0.0.1:{port}"
            cookie = login_cookie(port, seeded["email"])
            links = mail_link_paths(url, seeded, env_base)
            run = lambda p, paths, **kw: load(p, paths, seconds=args.seconds, threads=args.threads, **kw)  # noqa: E731
            run(base_port, ["/"])  # warm-up of both servers (connections, template caches)
            run(port, ["/invoices"], cookie=cookie)
            # Rounds of baseline, /invoices, mail link, baseline: each page is compared with the baseline measured
            # just before and after it (a shared machine drifts by a third within minutes), and the median round
            # is reported.
            rounds = []
            before = run(base_port, ["/"])
            for _ in range(args.rounds):
                invoices = run(port, ["/invoices"], cookie=cookie)
                mail = run(port, links, ok=(302, 303)) if isinstance(links, list) else None
                # The clicks just opened thousands of sessions for one customer in seconds, which a production
                # database takes weeks to gather, with autovacuum analyzing the table as it grows; without
                # that, the session check's prepared plan, made for a one-row user_sessions, scanned them all.
                analyze(url)
                after = run(base_port, ["/"])
                rounds.append({"base": (before + after) / 2, "invoices": invoices, "mail": mail})
                before = after
        engine_label = "PostgreSQL" if engine == "postgres" else "SQLite"

        def median_round(page: str) -> dict:
            return sorted(rounds, key=lambda r: r[page] / r["base"])[len(rounds) // 2]

        def detail(page: str) -> str:
            return ", ".join(f"{r[page]:,.0f}/{r['base']:,.0f} = {r[page] / r['base']:.2f}" for r in rounds)

        ref = statistics.median(r["base"] for r in rounds)
        rows.append(Row(f"Baseline page, 50 rows (gunicorn, {workers} workers, {engine_label}, {load_tool()})",
                        f"{ref:,.0f} req/s (median of {len(rounds)} rounds)", "", "",
                        detail=", ".join(f"{r['base']:,.0f}" for r in rounds) + " req/s"))
        inv = median_round("invoices")
        rows.append(Row("/invoices, customer with 200 invoices, vs baseline",
                        f"{inv['invoices']:,.0f} req/s = {inv['invoices'] / inv['base']:.2f}", "≥ 0.80",
                        _verdict(inv["invoices"] / inv["base"] >= 0.8), detail="rounds: " + detail("invoices")))
        if not isinstance(links, list):
            rows.append(Row("Mail-login link /m/<token> vs baseline", links, "≥ 0.70", "missing"))
        else:
            m = median_round("mail")
            rows.append(Row("Mail-login link /m/<token> vs baseline",
                            f"{m['mail']:,.0f} req/s = {m['mail'] / m['base']:.2f}", "≥ 0.70",
                            _verdict(m["mail"] / m["base"] >= 0.7), detail="rounds: " + detail("mail")))
    return rows


# (b) SQL queries per page -----------------------------------------------------------------------------

def _count_queries(app, client, path: str) -> tuple[int, int]:
    from sqlalchemy import event

    from hostico.web.database import db

    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    client.get(path)  # warm-up
    event.listen(db.get(client.application).engine, "before_cursor_execute", count)
    try:
        status = client.get(path).status_code
    finally:
        event.remove(db.get(client.application).engine, "before_cursor_execute", count)
    return status, len(statements)


def _pages(app, role: str, seeded: dict) -> list[str]:
    from hostico.web.security import is_public_endpoint

    code = seeded["proforma_codes"][0]
    ids = {"code": code, "number": code, "invoice_code": code, "invoice_id": seeded["invoice_ids"][code],
           "service_id": seeded["service_id"], "profile_id": seeded["profile_id"],
           "customer_id": seeded["customer_id"]}
    paths = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint == "static" or is_public_endpoint(rule.endpoint):
                continue
            if rule.rule.endswith(".pdf") or (role == "staff") != rule.endpoint.startswith("staff."):
                continue
            if set(rule.arguments) - set(ids):
                continue
            paths.append(rule.build({a: ids[a] for a in rule.arguments}, append_unknown=False)[1])
    return sorted(set(paths))


def _query_counts(url: str, invoices: int) -> dict[str, tuple[int, int]]:
    from sqlalchemy.orm import Session

    from hostico.accounts.login_sessions import create as open_session
    from hostico.accounts.passwords import hash_password
    from hostico.models import StaffUser
    from hostico.staff import STAFF_MFA_KEY
    from hostico.web.database import db

    seeded = seed_customer(url, invoices)
    app = _app(url)
    with Session(db.get(app).engine) as s:
        staff = StaffUser(email="bench-staff@example.com", password_hash=hash_password(PASSWORD), name="Bench",
                          role="admin")
        s.add(staff)
        s.flush()
        _record, sid = open_session(s, staff)
        s.commit()
        staff_id = staff.get_id()
    out = {}
    client = _client_login(app, seeded["email"])
    for path in _pages(app, "customer", seeded):
        out[path] = _count_queries(app, client, path)
    staff_client = app.test_client()
    with staff_client.session_transaction() as sess:
        sess.update({"_user_id": staff_id, "_fresh": True, "sid": sid, STAFF_MFA_KEY: True})
    for path in _pages(app, "staff", seeded):
        out["staff " + path] = _count_queries(app, staff_client, path)
    db.get(app).engine.dispose()
    return out


def section_queries(args, engine: str, tmp: str) -> list[Row]:
    small, large = 10, (100 if args.quick else 1000)
    with scratch_database(engine, tmp) as url_small:
        few = _query_counts(url_small, small)
    with scratch_database(engine, tmp) as url_large:
        many = _query_counts(url_large, large)
    rows = []
    for page in sorted(set(few) | set(many)):
        (s1, q1), (s2, q2) = few.get(page, (0, -1)), many.get(page, (0, -1))
        status = "" if s1 == s2 == 200 else f" (HTTP {s1}/{s2})"
        rows.append(Row(f"SQL queries per page {page} ({small} → {large:,} invoices)", f"{q1} → {q2}{status}",
                        "equal", _verdict(q1 == q2)))
    return rows


# (c) billing run, (d) outbox ------------------------------------------------------------------------------

def section_billing(args, engine: str, tmp: str) -> list[Row]:
    services, due = (2_000, 200) if args.quick else (100_000, 10_000)
    module = _bench_module("billing_run")
    rows = []
    for eng in ("sqlite", "postgres"):
        label = f"Billing run, {services:,} services ({due:,} due), {'SQLite' if eng == 'sqlite' else 'PostgreSQL'}"
        if module is None:
            rows.append(Row(label, "missing: bench/billing_run.py run(database_url, services, due)", "", "missing"))
            continue
        if eng == "postgres" and not postgres_available():
            rows.append(Row(label, "PostgreSQL not reachable", "", "n/a"))
            continue
        with scratch_database(eng, tmp) as url:
            start = time.perf_counter()
            result = module.run(url, services=services, due=due)
            result.setdefault("wall_s", round(time.perf_counter() - start, 2))
        rows.append(Row(label, _fmt_dict(result, HEADLINE_KEYS), "", "measured", _fmt_dict(result)))
    rows.append(billing_at_scale(args, module, tmp))
    return rows


def billing_at_scale(args, module, tmp: str) -> Row:
    """The scale row (docs/bench.md): 1,000,000 services with 100,000 due on PostgreSQL in ≤ 60 s and ≤ 300 MB."""
    services, due = (20_000, 2_000) if args.quick else (1_000_000, 100_000)
    label = f"Billing run, {services:,} services ({due:,} due), PostgreSQL"
    target = "≤ 60 s, ≤ 300 MB"
    if module is None:
        return Row(label, "missing: bench/billing_run.py run(database_url, services, due)", target, "missing")
    if not postgres_available():
        return Row(label, "PostgreSQL not reachable", target, "n/a")
    with scratch_database("postgres", tmp) as url:
        start = time.perf_counter()
        result = module.run(url, services=services, due=due)
        result.setdefault("wall_s", round(time.perf_counter() - start, 2))
    ok = result["seconds"] <= 60 and result["peak_mb"] <= 300 and result["proformas_issued"] == due
    return Row(label, _fmt_dict(result, HEADLINE_KEYS + ("cpu_seconds", "postgres_cpu_seconds", "build_seconds")),
               target, _verdict(ok), _fmt_dict(result))


def section_outbox(args, engine: str, tmp: str) -> list[Row]:
    messages = 1_000 if args.quick else 10_000
    module = _bench_module("outbox")
    rows = []
    for workers in (1, 4):
        label = f"Outbox, {messages:,} messages, {workers} worker{'s' if workers > 1 else ''}, PostgreSQL, fake SMS"
        if module is None:
            rows.append(Row(label, "missing: bench/outbox.py run(database_url, workers, messages)", "", "missing"))
            continue
        if not postgres_available():
            rows.append(Row(label, "PostgreSQL not reachable", "", "n/a"))
            continue
        with scratch_database("postgres", tmp) as url:
            result = module.run(url, workers, messages=messages)
        if workers == 1:
            rows.append(Row(label, _fmt_dict(result, HEADLINE_KEYS), "", "measured", _fmt_dict(result)))
            continue
        ok = result["msgs_per_s"] >= OUTBOX_TARGET and result["no_duplicates"] == 1 and result["sent"] == messages
        rows.append(Row(label, _fmt_dict(result, HEADLINE_KEYS), f"≥ {OUTBOX_TARGET:,} msgs/s, 0 duplicates",
                        _verdict(ok), _fmt_dict(result)))
    return rows


OUTBOX_TARGET = 1_000  # messages per second with 4 workers (issue 25; bench/outbox.py prints the same target)
PDF_RATIO_TARGET = 1.2  # a fresh invoice PDF vs a minimal one-page WeasyPrint document rendered in the same run
MINIMAL_PDF_HTML = ("<!doctype html><html lang='ro'><head><meta charset='utf-8'><title>Minimal</title></head>"
                    "<body><h1>Factură</h1><p>Un document minimal de o pagină.</p></body></html>")


def minimal_pdf_ms(count: int) -> list[float]:
    """Milliseconds per render of a minimal one-page WeasyPrint document (the machine's yardstick for PDFs)."""
    from weasyprint import HTML

    HTML(string=MINIMAL_PDF_HTML).write_pdf()  # warm-up: fonts load once per process
    times = []
    for _ in range(count):
        start = time.perf_counter()
        HTML(string=MINIMAL_PDF_HTML).write_pdf()
        times.append((time.perf_counter() - start) * 1000)
    return times


# (e) invoice PDFs -------------------------------------------------------------------------------------------

PDF_TARGET = f"≤ {PDF_RATIO_TARGET}× minimal"


def section_pdf(args, engine: str, tmp: str) -> list[Row]:
    fresh_label, repeat_label = "Invoice PDF, fresh render", "Invoice PDF, repeated download of a tax invoice"
    with scratch_database(engine, tmp) as url:
        app = _app(url)
        pdf_rules = [r for r in app.url_map.iter_rules() if r.rule.endswith(".pdf") and r.arguments]
        if not pdf_rules:
            missing = "missing: /invoices/<code>.pdf route"
            return [Row(fresh_label, missing, PDF_TARGET, "missing"), Row(repeat_label, missing, "≤ 5 ms", "missing")]
        rule = pdf_rules[0]
        count = 3 if args.quick else 10
        seeded = seed_customer(url, count * 4 + 2, paid_every=2)
        client = _client_login(app, seeded["email"])
        path = lambda code: rule.build({a: code for a in rule.arguments}, append_unknown=False)[1]  # noqa: E731

        def get(code: str) -> float:
            start = time.perf_counter()
            resp = client.get(path(code))
            elapsed = (time.perf_counter() - start) * 1000
            if resp.status_code != 200 or not resp.data.startswith(b"%PDF"):
                raise RuntimeError(f"{path(code)} answered {resp.status_code} {resp.mimetype}")
            return elapsed

        proformas = [c for c in seeded["proforma_codes"] if c not in seeded["tax_codes"]]
        get(proformas[-1])  # warm-up: fonts and templates load once per process
        # Interleaved with the yardstick, so a drift of the machine's speed touches both alike.
        minimal, fresh_tax, fresh_proforma = [], [], []
        for tax_code, proforma_code in zip(seeded["tax_codes"][:count], proformas[:count], strict=False):
            minimal.extend(minimal_pdf_ms(1))
            fresh_tax.append(get(tax_code))
            fresh_proforma.append(get(proforma_code))
        repeated = [get(seeded["tax_codes"][0]) for _ in range(20)]
    fresh = statistics.mean(fresh_tax + fresh_proforma)
    yardstick = statistics.mean(minimal)
    ratio = fresh / yardstick
    detail = (f"tax {statistics.mean(fresh_tax):.0f}, proforma {statistics.mean(fresh_proforma):.0f}; "
              f"{len(fresh_tax) + len(fresh_proforma)} PDFs; minimal one-page WeasyPrint document {yardstick:.0f} ms")
    return [
        Row(fresh_label, f"{fresh:.0f} ms = {ratio:.2f}× a minimal PDF ({detail})", PDF_TARGET,
            _verdict(ratio <= PDF_RATIO_TARGET)),
        Row(repeat_label, f"{statistics.median(repeated):.1f} ms (median of 20)", "≤ 5 ms",
            _verdict(statistics.median(repeated) <= 5)),
    ]


# (f) RO e-Factura ---------------------------------------------------------------------------------------------

def section_efactura(args, engine: str, tmp: str) -> list[Row]:
    gen_label = "e-Factura: UBL documents generated and validated (schema + CIUS-RO)"
    sync_label = "e-Factura: documents taken pending → ok through the SPV jobs (built-in simulator)"
    try:
        from bench.efactura import run
    except ImportError as exc:
        return [Row(gen_label, f"missing: {exc}", "", "missing")]
    r = run(40 if args.quick else 400)
    return [
        Row(gen_label, f"{r['per_second']:,.1f} documents/s ({r['documents']} in {r['seconds']} s, "
                       f"{r['findings']} findings)", "", "measured"),
        Row(sync_label, f"{r['sync_per_second']:,.1f} documents/s ({r['ok']} ok in {r['sync_seconds']} s, "
                        f"{r['requests']} SPV requests, {r['rounds']} rounds)", "", "measured"),
    ]


def section_reports(args, engine: str, tmp: str) -> list[Row]:
    documents = 10_000 if args.quick else 100_000
    label = f"Sales journal, {documents:,} documents in a month, PostgreSQL (CSV)"
    module = _bench_module("reports")
    if module is None:
        return [Row(label, "missing: bench/reports.py run(database_url, documents)", "", "missing")]
    if not postgres_available():
        return [Row(label, "PostgreSQL not reachable", "", "n/a")]
    with scratch_database("postgres", tmp, migrate=False) as url:
        r = module.run(url, documents)
    ok = r["seconds"] <= 30 and r["peak_mb"] <= 300 and r["rows"] == documents and r["totals_match"]
    return [Row(label, f"seconds={r['seconds']}, peak_mb={r['peak_mb']}, rows={r['rows']:,}, "
                       f"totals_match={r['totals_match']}", "≤ 30 s, ≤ 300 MB", _verdict(ok), _fmt_dict(r))]


SECTIONS: dict[str, tuple[str, Callable]] = {
    "a": ("requests per second", section_pages),
    "b": ("SQL queries per page", section_queries),
    "c": ("billing run", section_billing),
    "d": ("outbox throughput", section_outbox),
    "e": ("invoice PDF", section_pdf),
    "f": ("RO e-Factura", section_efactura),
    "g": ("sales journal", section_reports),
}


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections, print the table and write bench/results/latest.md."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (a smoke run)")
    parser.add_argument("--only", default="abcdefg", help="sections to run, e.g. a,b")
    parser.add_argument("--engine", choices=("auto", "sqlite", "postgres"), default="auto",
                        help="database for sections a, b, e (auto: PostgreSQL when it answers)")
    parser.add_argument("--seconds", type=float, default=None, help="load duration per measurement")
    parser.add_argument("--threads", type=int, default=8, help="client threads for the load")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the page-speed comparison (section a)")
    parser.add_argument("--docs", "--readme", dest="docs", action="store_true",
                        help="also put the table into docs/bench.md")
    args = parser.parse_args(argv)
    args.seconds = args.seconds or (2.0 if args.quick else 10.0)
    engine = args.engine if args.engine != "auto" else ("postgres" if postgres_available() else "sqlite")
    rows: list[Row] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="hostico-bench-") as tmp:
        for key in [k for k in SECTIONS if k in args.only]:
            name, fn = SECTIONS[key]
            print(f"… {name}", file=sys.stderr, flush=True)
            try:
                rows.extend(fn(args, engine, tmp))
            except Exception as exc:  # one broken section must not hide the others' figures
                traceback.print_exc()
                rows.append(Row(name, f"error: {type(exc).__name__}: {exc}"[:200], "", "ERROR"))
    text = table(rows)
    print(text)
    header = (f"# Benchmark results\n\n{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, commit {_revision()}, "
              f"`python bench/run.py"
              f"{' --quick' if args.quick else ''}`, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
              f"main engine {engine}, {time.perf_counter() - started:.0f} s.\n\n")
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    details = "".join(f"- {r.figure}: {r.detail}\n" for r in rows if r.detail)
    with open(RESULTS, "w", encoding="utf-8") as fh:
        fh.write(header + text + "\n" + (f"\n## Full results\n\n{details}" if details else ""))
    if args.docs:
        update_docs(header.split("\n\n", 1)[1].strip() + "\n\n" + text)
    return 0


def _revision() -> str:
    import subprocess

    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True)
        return out.stdout.strip() or "unknown"
    except OSError:
        return "unknown"


def update_docs(block: str) -> None:
    """Replace the figures between the bench markers of docs/bench.md."""
    path = os.path.join(ROOT, "docs", "bench.md")
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start not in text or end not in text:
        raise SystemExit("docs/bench.md has no bench markers")
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1]
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(f"{head}{start}\n{block}\n{end}{tail}")


if __name__ == "__main__":
    sys.exit(main())
