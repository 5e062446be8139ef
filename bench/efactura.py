"""e-Factura documents generated and validated per second (UBL 2.1 CIUS-RO, schema + business rules).

    python bench/efactura.py [documents]

Builds invoices in memory as the billing domain issues them (three lines each; buyers of every kind:
persons with and without CNP, Romanian companies in and outside Bucharest, an EU business under reverse
charge, a business outside the EU; one in ten a credit note), then times `build_document` alone,
`validate_document` alone, and both, in this process.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from decimal import Decimal

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from hostico.billing.settings import BillingSettings  # noqa: E402
from hostico.billing.taxes import line_amounts  # noqa: E402
from hostico.config import SETTINGS  # noqa: E402
from hostico.efactura.ubl import build_document  # noqa: E402
from hostico.efactura.validate import validate_document  # noqa: E402
from hostico.models import Invoice, InvoiceLine  # noqa: E402

BUYERS = [
    dict(kind="person", name="Ana Popescu", cnp="2850315123457", address="Str. Lungă nr. 5", city="Brașov",
         county="RO-BV", postal_code="500001", country="RO"),
    dict(kind="person", name="Ion Ionescu", cnp=None, address="Str. Mare nr. 1", city="Cluj-Napoca",
         county="RO-CJ", postal_code="400001", country="RO"),
    dict(kind="company", company_name="Exemplu SRL", cui="34567892", reg_com="J08/123/2010",
         vat_number="RO34567892", address="Str. Lungă nr. 5", city="Brașov", county="RO-BV", postal_code="500001",
         country="RO"),
    dict(kind="company", company_name="Capitala SRL", cui="18547290", reg_com="J40/1/2000", vat_number=None,
         address="Bd. Unirii nr. 1", city="SECTOR3", county="RO-B", postal_code="030167", country="RO"),
    dict(kind="company", company_name="Beispiel GmbH", cui="DE136695976", vat_number="DE136695976",
         address="Hauptstraße 1", city="Berlin", county=None, postal_code="10115", country="DE"),
    dict(kind="company", company_name="Example Inc.", cui="12-3456789", vat_number=None, address="1 Main Street",
         city="Springfield", county="IL", postal_code="62701", country="US"),
]


def make_documents(count: int) -> list[Invoice]:
    """Return `count` issued documents (transient, not in a database)."""
    defaults = {name: default for name, (default, _) in SETTINGS.items()}
    seller = BillingSettings.from_config(defaults).seller_snapshot()
    docs = []
    for n in range(count):
        buyer = BUYERS[n % len(BUYERS)]
        reverse = buyer["country"] == "DE"
        rate = Decimal("0") if buyer["country"] in ("DE", "US") else Decimal("21")
        credit = n % 10 == 9
        sign = -1 if credit else 1
        lines = []
        for pos, price in enumerate(("19.99", "120.00", "7.50"), start=1):
            amounts = line_amounts(Decimal(sign), Decimal(price), rate)
            lines.append(InvoiceLine(position=pos, description=f"Hosting plan {pos}, 1 month", quantity=Decimal(sign),
                                     unit_price=Decimal(price), vat_rate=rate, net=amounts.net, vat=amounts.vat,
                                     period_start=dt.date(2026, 12, 1), period_end=dt.date(2026, 12, 31)))
        subtotal = sum(line.net for line in lines)
        vat = sum(line.vat for line in lines)
        docs.append(Invoice(kind="credit_note" if credit else "tax", series="HST", number=n + 1,
                            code=f"{'HCN' if credit else 'HST'}-{n + 1:06d}", status="issued", origin="order",
                            issue_date=dt.date(2026, 12, 1), currency="RON", buyer=dict(buyer), seller=seller,
                            reverse_charge=reverse, subtotal=subtotal, vat_total=vat, total=subtotal + vat,
                            lines=lines, paid_at=None if credit else dt.datetime(2026, 12, 1, tzinfo=dt.UTC)))
    return docs


def run(count: int = 2000) -> dict:
    """Time generation, validation and both over `count` documents; fail loudly on an invalid one."""
    docs = make_documents(count)
    validate_document(build_document(docs[0]))  # load the XSDs once, as a long-running worker has them
    start = time.perf_counter()
    xmls = [build_document(doc) for doc in docs]
    generated = time.perf_counter() - start
    start = time.perf_counter()
    findings = [validate_document(xml) for xml in xmls]
    validated = time.perf_counter() - start
    invalid = sum(1 for f in findings if f)
    if invalid:
        raise RuntimeError(f"{invalid} of {count} documents failed validation: {findings[0] or findings[-1]}")
    return {"documents": count, "generated_per_second": round(count / generated),
            "validated_per_second": round(count / validated),
            "generated_and_validated_per_second": round(count / (generated + validated)),
            "kb_per_document": round(sum(map(len, xmls)) / count / 1024, 1)}


if __name__ == "__main__":
    print(run(int(sys.argv[1]) if len(sys.argv) > 1 else 2000))
