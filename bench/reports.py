"""Time the month's sales journal on a large database: `python bench/reports.py [documents]`.

Builds `documents` tax invoices (default 100,000) whose chargeable events fall in November 2026 on PostgreSQL
(INSERT ... SELECT FROM generate_series: 80% Romanian persons in lei at 21%, 10% French persons in EUR with
Romanian VAT and its lei, 10% German companies under reverse charge), then writes the journal as CSV in a fresh
process and reports its wall time, peak memory (the process's maximum resident set, Python included) and rows,
and checks that the totals row equals the sum of the documents. The target (docs/reports.md): 100,000 documents
in at most 30 s and 300 MB.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

MONTH = dt.date(2026, 11, 1)


def build_postgres(database_url: str, documents: int) -> None:
    """Create the customers, the tax invoices and one line each."""
    from sqlalchemy import text

    from bench.billing_run import _defaults_sql
    from hostico.db import make_engine, upgrade
    from hostico.models import Customer, Invoice, InvoiceLine

    upgrade(database_url)
    customers = max(documents // 10, 1)

    def insert_select(model, columns: dict[str, str], count: int) -> str:
        columns = {**columns, **_defaults_sql(model.__table__, set(columns))}
        return (f"INSERT INTO {model.__tablename__} ({', '.join(columns)}) "
                f"SELECT {', '.join(columns.values())} FROM generate_series(0, {count - 1}) AS i")

    kind = "CASE WHEN i % 10 = 0 THEN 'fr' WHEN i % 10 = 1 THEN 'de' ELSE 'ro' END"
    buyer = (f"CASE {kind} WHEN 'fr' THEN json_build_object('kind', 'person', 'name', 'Client ' || i, 'country', "
             "'FR', 'address', '1 rue de Rivoli', 'city', 'Paris') WHEN 'de' THEN json_build_object('kind', "
             "'company', 'company_name', 'Firma ' || i || ' GmbH', 'cui', 'DE' || (100000000 + i % 1000), "
             "'vat_number', 'DE' || (100000000 + i % 1000), 'country', 'DE', 'address', 'Hauptstr. 1', 'city', "
             "'Berlin') ELSE json_build_object('kind', 'person', 'name', 'Client ' || i, 'cnp', '2850315123457', "
             "'country', 'RO', 'address', 'Str. Lungă nr. 5', 'city', 'Brașov', 'county', 'RO-BV') END")
    # Money in bani/cents, rates in ten-thousandths, percents in hundredths (hostico/models/base.py).
    subtotal = f"CASE {kind} WHEN 'ro' THEN 1900 + i % 500 ELSE 400 + i % 100 END"
    vat = f"CASE {kind} WHEN 'de' THEN 0 ELSE ROUND(({subtotal}) * 0.21) END"
    eur = f"({kind}) <> 'ro'"
    collected = f"DATE '{MONTH}' + (i % 30)"
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text(insert_select(Customer, {
            "id": "i + 1", "email": "'c' || i || '@bench.example'", "password_hash": "'x'",
            "name": "'Customer ' || i", "language": "'ro'"}, customers)))
        conn.execute(text(insert_select(Invoice, {
            "id": "i + 1", "customer_id": f"i % {customers} + 1", "kind": "'tax'", "series": "'HST'",
            "number": "i + 1", "code": "'HST-' || LPAD((i + 1)::text, 6, '0')", "status": "'issued'",
            "origin": "'system'", "issue_date": f"{collected} + 1", "collected_on": collected,
            "currency": f"CASE WHEN {eur} THEN 'EUR' ELSE 'RON' END", "buyer": buyer,
            "seller": "json_build_object('name', 'Hostico SRL', 'cui', 'RO18547290')",
            "reverse_charge": f"({kind}) = 'de'", "vat_category": f"CASE {kind} WHEN 'de' THEN 'AE' ELSE 'S' END",
            "vat_mention": f"CASE {kind} WHEN 'de' THEN 'Taxare inversă' END",
            "subtotal": subtotal, "vat_total": vat, "total": f"({subtotal}) + ({vat})",
            "exchange_rate": f"CASE WHEN {eur} THEN 50800 END",
            "rate_date": f"CASE WHEN {eur} THEN {collected} - 1 END",
            "vat_total_ron": f"CASE {kind} WHEN 'fr' THEN ROUND(({vat}) * 5.08) END",
            "total_ron": f"CASE {kind} WHEN 'fr' THEN ROUND((({subtotal}) + ({vat})) * 5.08) END",
            "paid_at": "now()"}, documents)))
        conn.execute(text(insert_select(InvoiceLine, {
            "id": "i + 1", "invoice_id": "i + 1", "position": "1", "description": "'Hosting ' || i",
            "quantity": "1000", "unit_price": subtotal, "vat_rate": f"CASE {kind} WHEN 'de' THEN 0 ELSE 2100 END",
            "net": subtotal, "vat": vat}, documents)))
        for table in ("customers", "invoices", "invoice_lines"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    engine.dispose()


def _timed_journal(database_url: str, queue) -> None:
    import resource
    from decimal import Decimal

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from hostico.billing.reports import sales_journal
    from hostico.billing.reports.files import journal_csv
    from hostico.db import make_engine
    from hostico.models import Invoice

    engine = make_engine(database_url)
    session = Session(bind=engine)
    started = time.perf_counter()
    journal = sales_journal(session, MONTH)
    size = 0
    with open(os.devnull, "wb") as sink:
        for chunk in journal_csv(journal):
            size += len(chunk)
            sink.write(chunk)
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    ron = session.scalar(select(func.sum(Invoice.total)).where(Invoice.currency == "RON")) or Decimal(0)
    fr = session.scalar(select(func.sum(Invoice.total_ron)).where(Invoice.total_ron.is_not(None))) or Decimal(0)
    ae = sum(((net * Decimal("5.08")).quantize(Decimal("0.01")) for net in session.scalars(
        select(Invoice.subtotal).where(Invoice.vat_category == "AE"))), Decimal(0))
    session.close()
    engine.dispose()
    queue.put({"seconds": elapsed, "peak_mb": peak_mb, "rows": journal.count, "csv_mb": size / 1e6,
               "totals_match": journal.total == ron + fr + ae})


def run(database_url: str, documents: int = 100_000) -> dict:
    """Build the data set in database_url (an empty PostgreSQL database) and time one journal on it."""
    started = time.perf_counter()
    build_postgres(database_url, documents)
    build_seconds = time.perf_counter() - started
    ctx = multiprocessing.get_context("spawn")  # a fresh process: its peak memory is the journal's alone
    queue = ctx.Queue()
    proc = ctx.Process(target=_timed_journal, args=(database_url, queue))
    proc.start()
    result = queue.get(timeout=3600)
    proc.join()
    return {"documents": documents, "build_seconds": round(build_seconds, 1), "seconds": round(result["seconds"], 2),
            "peak_mb": round(result["peak_mb"], 1), "rows": result["rows"], "csv_mb": round(result["csv_mb"], 1),
            "totals_match": result["totals_match"]}


def main() -> int:
    from bench._common import postgres_available, scratch_database

    documents = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    if not postgres_available():
        print("PostgreSQL not reachable")
        return 1
    import tempfile

    with tempfile.TemporaryDirectory() as tmp, scratch_database("postgres", tmp, migrate=False) as url:
        result = run(url, documents)
    ok = result["seconds"] <= 30 and result["peak_mb"] <= 300 and result["rows"] == documents \
        and result["totals_match"]
    print(f"Sales journal, {documents:,} documents, PostgreSQL: {result['seconds']} s, {result['peak_mb']} MB peak, "
          f"{result['rows']:,} rows, {result['csv_mb']} MB CSV, totals match: {result['totals_match']} "
          f"(target ≤ 30 s, ≤ 300 MB: {'ok' if ok else 'MISSED'}); build {result['build_seconds']} s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
