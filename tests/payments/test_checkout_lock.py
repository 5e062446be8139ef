"""Two "Pay" submits at once open one payment page, not two (docs/payments.md, Card payments).

Before, both read the proforma as unpaid and asked the gateway for a page before any lock (on SQLite the
write lock came with the checkout's INSERT): the customer could pay both pages and be charged twice.
"""

from __future__ import annotations

import threading
import time

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hostico.models import AuditLog, Checkout, Customer, Invoice
from hostico.payments.checkout import start_checkout
from hostico.payments.errors import PaymentsError
from hostico.payments.gateways.base import StartedCheckout


class SlowGateway:
    """A gateway whose page takes a moment to open; counts the pages it opened."""

    name = "sandbox"

    def __init__(self) -> None:
        self.started: list[str] = []
        self._lock = threading.Lock()

    def start_checkout(self, start):
        time.sleep(0.3)
        with self._lock:
            self.started.append(start.reference)
            n = len(self.started)
        return StartedCheckout(provider_id=f"sess-{n}", redirect_url=f"https://gateway.example/pay/{n}")


def _urls(reference):
    return ("https://billing.example/back", "https://billing.example/cancel", "https://billing.example/hook")


def _submit(engine, customer_id, invoice_ids, gateway, barrier, box, key):
    try:
        with Session(bind=engine, expire_on_commit=False) as s:
            customer = s.get(Customer, customer_id)
            proformas = [s.get(Invoice, i) for i in invoice_ids]
            barrier.wait()
            _, url = start_checkout(s, customer, proformas, gateway, urls=_urls, description="x")
            s.commit()
            box[key] = url
    except Exception as exc:  # handed back to the test
        box[key] = exc


def test_two_concurrent_submits_open_one_payment_page(make, session):
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    gateway, barrier, box = SlowGateway(), threading.Barrier(2), {}
    threads = [threading.Thread(target=_submit, args=(session.get_bind(), customer.id, [proforma.id], gateway,
                                                      barrier, box, n)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(isinstance(v, Exception) for v in box.values()), box
    assert len(gateway.started) == 1  # the second submit waited and found the first's page
    assert box[0] == box[1] == "https://gateway.example/pay/1"
    assert session.scalar(select(func.count()).select_from(Checkout)) == 1
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "checkout.resumed")) == 1


def test_a_checkout_under_way_for_part_of_a_selection_is_refused(make, session):
    customer = make.make_customer()
    first, second = make.make_proforma(customer), make.make_proforma(customer)
    gateway = SlowGateway()
    start_checkout(session, customer, [first], gateway, urls=_urls, description="x")
    session.commit()
    try:
        start_checkout(session, customer, [first, second], gateway, urls=_urls, description="x")
    except PaymentsError as err:
        assert err.code == "in_progress"
    else:
        raise AssertionError("a second page for a proforma already being paid was opened")
    session.rollback()
    assert len(gateway.started) == 1


def test_after_the_window_a_new_page_is_opened(make, session):
    import datetime as dt

    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    gateway = SlowGateway()
    start_checkout(session, customer, [proforma], gateway, urls=_urls, description="x")
    session.commit()
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=16)
    _, url = start_checkout(session, customer, [proforma], gateway, urls=_urls, description="x", now=later)
    session.commit()
    assert url == "https://gateway.example/pay/2" and len(gateway.started) == 2
