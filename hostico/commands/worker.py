"""`worker [--once]`: deliver the notification outbox; and the inline worker thread of `make run`."""

from __future__ import annotations

import logging
import os
import signal
import threading

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from hostico.accounts.closure import ClosurePurger
from hostico.billing.rate_job import RateRefresher
from hostico.billing.settings import BillingSettings
from hostico.billing.vies_job import ViesRechecker
from hostico.efactura.jobs import run_forever as efactura_run_forever
from hostico.efactura.jobs import sync as efactura_sync
from hostico.efactura.settings import EfacturaSettings
from hostico.notify.worker import default_worker_id, deliver_due, run_forever
from hostico.payments.expiry import CheckoutExpirer
from hostico.payments.gateways import GatewayConfig
from hostico.web.app_settings import settings as app_settings
from hostico.web.database import db

logger = logging.getLogger("hostico.worker")
_inline_lock = threading.Lock()
_inline_thread: threading.Thread | None = None


def _session_factory(engine):
    return lambda: Session(bind=engine, expire_on_commit=False)


def periodic_jobs(factory, settings: BillingSettings, payments: GatewayConfig) -> list:
    """What the worker does beside the outbox, each when due: keep BNR's rates fresh, ask VIES again
    about pending VAT numbers, erase account closures' data once they can no longer be undone, and settle the card
    checkouts pending past their lifetime (docs/payments.md, Checkouts that end)."""
    return [RateRefresher(factory, settings).due, ViesRechecker(factory, settings).due, ClosurePurger(factory).due,
            CheckoutExpirer(factory, settings, payments).due]


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver everything due, then exit.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
def worker_command(once: bool, poll: float) -> None:
    """Deliver queued emails and SMS (several workers may run at once on PostgreSQL)."""
    factory = _session_factory(db.engine)
    settings = app_settings()
    worker_id = default_worker_id()
    if once:
        handled = deliver_due(factory, settings.notify, worker_id=worker_id)
        click.echo(f"Handled {handled} message(s).")
        if settings.efactura.enabled:
            click.echo(f"e-Factura: {efactura_sync(factory, settings.efactura).line()}")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    start_efactura_thread(factory, settings.efactura, stop)
    click.echo(f"Worker {worker_id} delivering the outbox (Ctrl+C stops after the current message).")
    run_forever(factory, settings.notify, poll_seconds=poll, stop=stop, worker_id=worker_id,
                periodic=periodic_jobs(factory, settings.billing, settings.payments))


def start_efactura_thread(factory, efactura: EfacturaSettings, stop: threading.Event) -> threading.Thread | None:
    """Run the e-Factura jobs beside the outbox (upload, poll, download every HOSTICO_EFACTURA_SYNC_SECONDS)."""
    if not efactura.enabled:
        return None
    thread = threading.Thread(target=efactura_run_forever, name="hostico-efactura", daemon=True,
                              args=(factory, efactura), kwargs={"stop": stop})
    thread.start()
    return thread


def start_inline_worker(app: Flask, poll_seconds: float = 1.0) -> threading.Thread | None:
    """Start the development worker thread for the served app (HOSTICO_INLINE_WORKER); one per process.

    The thread and its stop event are kept in app.extensions["hostico_inline_worker"].
    """
    global _inline_thread
    with _inline_lock:
        if _inline_thread is not None and _inline_thread.is_alive():
            return None  # create_app ran again in this process: one worker is enough
        stop = threading.Event()
        factory = _session_factory(db.get(app).engine)
        settings = app_settings(app)
        periodic = periodic_jobs(factory, settings.billing, settings.payments)
        thread = threading.Thread(
            target=run_forever, name="hostico-inline-worker", daemon=True,
            args=(factory, settings.notify),
            kwargs={"poll_seconds": poll_seconds, "stop": stop, "periodic": periodic},
        )
        app.extensions["hostico_inline_worker"] = (thread, stop)
        thread.start()
        start_efactura_thread(_session_factory(db.get(app).engine), settings.efactura, stop)
        _inline_thread = thread
    logger.info("inline outbox worker started (pid %s)", os.getpid())
    return thread
