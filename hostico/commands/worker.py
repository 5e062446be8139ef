"""`worker [--once]`: deliver the notification outbox; and the inline worker thread of `make run`."""

from __future__ import annotations

import logging
import os
import signal
import threading

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy.orm import Session

from hostico.db import db
from hostico.notify.worker import default_worker_id, deliver_due, run_forever

logger = logging.getLogger("hostico.worker")
_inline_lock = threading.Lock()
_inline_started: set[int] = set()  # pids: one inline worker per process, however often create_app runs


def _session_factory(engine):
    return lambda: Session(bind=engine, expire_on_commit=False)


@click.command("worker")
@with_appcontext
@click.option("--once", is_flag=True, help="Deliver everything due, then exit.")
@click.option("--poll", default=2.0, show_default=True, help="Seconds to wait when nothing is due.")
def worker_command(once: bool, poll: float) -> None:
    """Deliver queued emails and SMS (several workers may run at once on PostgreSQL)."""
    factory = _session_factory(db.engine)
    config = dict(current_app.config)
    worker_id = default_worker_id()
    if once:
        handled = deliver_due(factory, config, worker_id=worker_id)
        click.echo(f"Handled {handled} message(s).")
        return
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    click.echo(f"Worker {worker_id} delivering the outbox (Ctrl+C stops after the current message).")
    run_forever(factory, config, poll_seconds=poll, stop=stop, worker_id=worker_id)


def start_inline_worker(app: Flask, poll_seconds: float = 2.0) -> threading.Thread | None:
    """Start the development worker thread for the served app, once per process (HOSTICO_INLINE_WORKER)."""
    with _inline_lock:
        if os.getpid() in _inline_started:
            return None
        _inline_started.add(os.getpid())
    thread = threading.Thread(
        target=run_forever, name="hostico-inline-worker", daemon=True,
        args=(_session_factory(db.engine), dict(app.config)), kwargs={"poll_seconds": poll_seconds},
    )
    thread.start()
    logger.info("inline outbox worker started")
    return thread
