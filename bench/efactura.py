"""RO e-Factura figures: UBL documents generated and validated per second, and SPV sync throughput.

    python -m bench.efactura [documents]      # default 200

Issues `documents` tax invoices (Romanian company and person buyers) on a scratch SQLite database, then
(1) builds and validates every document (schema + CIUS-RO rules), and (2) runs the SPV jobs against the
built-in simulator until every document is `ok`, counting SPV requests.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

BUYERS = (
    dict(kind="company", company_name="Exemplu SRL", cui="34567892", reg_com="J08/123/2010",
         vat_number="RO34567892", address="Str. Lungă nr. 5", city="Brașov", county="RO-BV",
         postal_code="500001", country="RO"),
    dict(kind="person", name="Ana Popescu", cnp="2850315123457", address="Str. Lungă nr. 5", city="Brașov",
         county="RO-BV", postal_code="500001", country="RO"),
)


def _issue(session, documents: int) -> None:
    from hostico.billing.invoicing import LineSpec, create_proforma, issue_tax_invoice
    from hostico.billing.settings import BillingSettings
    from hostico.config import default_config
    from hostico.models import BillingProfile, Customer

    settings = BillingSettings.from_config(default_config(tempfile.gettempdir()))  # the demo seller
    day = dt.date(2026, 11, 20)
    for n in range(documents):
        customer = Customer(email=f"efactura{n}@example.com", name=f"Client {n}", password_hash="x")
        session.add(customer)
        session.flush()
        profile = BillingProfile(customer_id=customer.id, **BUYERS[n % len(BUYERS)])
        session.add(profile)
        session.flush()
        proforma = create_proforma(session, customer, [LineSpec(description="Hosting Plan Start",
                                                                unit_price=Decimal("100.00"))],
                                   origin="order", settings=settings, today=day, profile=profile)
        proforma.status = "paid"
        issue_tax_invoice(session, proforma, settings=settings, today=day)
    session.commit()


def run(documents: int = 200) -> dict:
    """Return the figures (documents, seconds, per_second for generation; sync seconds and requests)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from hostico.db import make_engine, upgrade
    from hostico.efactura.jobs import sync
    from hostico.efactura.settings import EfacturaSettings
    from hostico.efactura.ubl import build_document
    from hostico.efactura.validate import validate_document
    from hostico.models import EfacturaDocument, Invoice

    with tempfile.TemporaryDirectory(prefix="hostico-bench-efactura-") as tmp:
        url = "sqlite:///" + os.path.join(tmp, "bench.sqlite3")
        upgrade(url)
        engine = make_engine(url)
        factory = lambda: Session(engine, expire_on_commit=False)  # noqa: E731
        with factory() as session:
            _issue(session, documents)
            invoices = session.scalars(select(Invoice).where(Invoice.kind == "tax")).all()
            validate_document(build_document(invoices[0]))  # warm-up: schemas load once per process
            start = time.perf_counter()
            findings = sum(len(validate_document(build_document(inv))) for inv in invoices)
            generation = time.perf_counter() - start

        # The simulator in memory (no state file): the figure is the jobs' own cost, 4 SPV requests a document.
        settings = EfacturaSettings(mode="simulate", seller_cif="RO18547290", secret_key="bench", simulator_file="")
        start, now, rounds, requests = time.perf_counter(), dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC), 0, 0
        while True:
            summary = sync(factory, settings, now=now, batch=documents)
            rounds, requests = rounds + 1, requests + summary.requests
            with factory() as session:
                left = session.scalar(select(func.count()).select_from(EfacturaDocument)
                                      .where(EfacturaDocument.state.in_(("pending", "uploaded"))))
            if not left or rounds > 10:
                break
            now += dt.timedelta(minutes=5)
        transport = time.perf_counter() - start
        with factory() as session:
            ok = session.scalar(select(func.count()).select_from(EfacturaDocument)
                                .where(EfacturaDocument.state == "ok"))
        engine.dispose()
    return {"documents": len(invoices), "seconds": round(generation, 2),
            "per_second": round(len(invoices) / generation, 1), "findings": findings,
            "sync_seconds": round(transport, 2), "sync_per_second": round(ok / transport, 1), "ok": ok,
            "rounds": rounds, "requests": requests}


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 200))
