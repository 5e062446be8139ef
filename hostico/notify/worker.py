"""The outbox worker: claim due messages, render them once, deliver outside any transaction, record.

`deliver_due` is the one entry point (CLI `worker`, the inline development thread, tests, bench).

Sent at each attempt, never stored: the recipient is the customer's address *now* (an email queued before
an email change goes to the new address: re-addressed, never cancelled, since it is the customer's
invoice notice), and the invoice's mail-login link is made then (`maillogin.tokens.link_for_message`: one
record per email whatever the attempts) and put in place of the stored placeholder. The link's 7 days
start when the SMTP server accepted the email (`maillogin.tokens.activate`). So is the link of an account email
(password reset, sign-up confirmation, invitation: `notify.account_links`).
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import mailbox
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from email.message import EmailMessage
from functools import partial
from queue import Empty, SimpleQueue
from typing import TypeVar, cast

from jinja2 import TemplateError
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.logs import request_id_bound
from hostico.maillogin import tokens
from hostico.models import Customer, OutboxMessage, utcnow
from hostico.models.outbox import Channel, OutboxStatus
from hostico.notify import account_links, links, outbox, receipts
from hostico.notify.account_links import ACCOUNT_LINK_PLACEHOLDER
from hostico.notify.email import build_message, send_smtp
from hostico.notify.errors import PermanentDeliveryError, TemporaryDeliveryError
from hostico.notify.events import FIXED_RECIPIENT
from hostico.notify.render import render
from hostico.notify.settings import NotifySettings
from hostico.notify.sms.gsm7 import MessageTooLong
from hostico.notify.sms.providers import get_provider
from hostico.notify.sms.providers.base import SmsProvider

logger = logging.getLogger("hostico.worker")
T = TypeVar("T")
DEV_MAIL_BACKENDS = ("outbox", "outbox-only")


@dataclass(frozen=True)
class Envelope:
    """What one delivery needs, detached from any session."""

    id: int
    channel: str
    recipient: str
    subject: str | None
    text: str
    html: str | None
    attempts: int
    has_link: bool = False  # carries a pending mail-login link, to be activated once accepted
    request_id: str | None = None  # the request or job that queued it: the delivery's log lines carry it
    event: str = ""


def default_worker_id() -> str:
    """host:pid:random — unique per worker, readable in the staff outbox."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def _prepare(session: Session, ids: list[int], worker_id: str, settings: NotifySettings,
             now: dt.datetime) -> list[Envelope]:
    """Render what has not been rendered yet and drop SMS of customers who opted out (one transaction)."""
    msgs = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)).all()
    customer_ids = {m.customer_id for m in msgs if m.customer_id}
    customers = {c.id: c for c in session.scalars(select(Customer).where(Customer.id.in_(customer_ids)))}
    ready = []
    for msg in msgs:
        if msg.status != OutboxStatus.SENDING or msg.claimed_by != worker_id:
            continue
        customer = customers.get(msg.customer_id) if msg.customer_id else None
        if msg.channel == Channel.SMS:
            if customer is None or not customer.sms_opt_in or not customer.phone_e164:
                msg.status, msg.last_error = OutboxStatus.CANCELLED, "customer turned SMS off"
                continue
            msg.recipient = customer.phone_e164  # the number as it is now, never a replaced one
        elif (customer is not None and customer.email and msg.recipient != customer.email
              and not (msg.context or {}).get(FIXED_RECIPIENT)):
            _readdress(session, msg, customer.email)
        if msg.body_text is None:
            try:
                rendered = render(session, msg, settings, now)
            except (MessageTooLong, TemplateError, LookupError, ValueError, TypeError, AttributeError) as exc:
                # Deterministic: the same data renders the same way, so retrying cannot help.
                msg.status, msg.last_error = OutboxStatus.DEAD, f"render: {type(exc).__name__}: {exc}"[:2000]
                continue
            msg.subject, msg.body_text, msg.body_html = rendered.subject, rendered.text, rendered.html
        text, html, has_link = msg.body_text or "", msg.body_html, False  # rendered above: never None
        if msg.channel == Channel.EMAIL and links.has_link(text, html):
            url = _invoice_link(session, msg, settings, now)
            text, html, has_link = links.fill_text(text, url) or "", links.fill_html(html, url), True
        if msg.channel == Channel.EMAIL and links.has_link(text, html, placeholder=ACCOUNT_LINK_PLACEHOLDER):
            url = account_links.link_for_message(session, msg, base_url=settings.base_url, now=now)
            text = links.fill_text(text, url, ACCOUNT_LINK_PLACEHOLDER) or ""
            html = links.fill_html(html, url, ACCOUNT_LINK_PLACEHOLDER)
        ready.append(Envelope(msg.id, msg.channel, msg.recipient, msg.subject, text, html, msg.attempts, has_link,
                              msg.request_id, msg.event))
    return ready


def _readdress(session: Session, msg: OutboxMessage, email: str) -> None:
    """Send a customer's email to their address as it is now (it changed after the email was queued)."""
    record(session, "outbox.readdressed", actor_kind="system", obj=msg, customer_id=msg.customer_id,
           data={"before": msg.recipient, "after": email})
    msg.recipient = email


def _invoice_link(session: Session, msg: OutboxMessage, settings: NotifySettings, now: dt.datetime) -> str:
    """The live mail-login URL for this email's invoice (the same one at every attempt)."""
    base = settings.base_url.rstrip("/")
    if msg.customer_id is None or msg.invoice_id is None:
        return f"{base}/invoices"  # not a customer's invoice email: no login link (render never does this)
    token = tokens.link_for_message(session, customer_id=msg.customer_id, invoice_id=msg.invoice_id,
                                    outbox_message_id=msg.id, secret_key=settings.secret_key, now=now)
    return f"{base}/m/{token}"


class Channels:
    """The delivery channels for one run; the SMS provider is built lazily and reused (keep-alive)."""

    def __init__(self, settings: NotifySettings) -> None:
        self.settings = settings
        self._sms: SmsProvider | None = None

    def deliver(self, env: Envelope) -> str:
        """Deliver one message; return the provider's id or raise a DeliveryError."""
        if env.channel == Channel.SMS:
            sender = self.settings.sms_sender
            if not (1 <= len(sender) <= 11 and sender.isascii() and sender.replace(" ", "").isalnum()):
                raise TemporaryDeliveryError("HOSTICO_SMS_SENDER must be 1-11 letters or digits")
            if self._sms is None:
                try:
                    self._sms = get_provider(self.settings)
                except ValueError as exc:
                    raise TemporaryDeliveryError(f"sms backend misconfigured: {exc}") from exc
            return self._sms.send(to=env.recipient, sender=self.settings.sms_sender, text=env.text)
        msg = build_message(sender=self.settings.mail_from, recipient=env.recipient, subject=env.subject or "",
                            text=env.text, html=env.html)
        if self.settings.mail_backend in DEV_MAIL_BACKENDS:
            # Development: staff read the stored email at /staff/outbox (its link a placeholder); the email as
            # delivered, with its live link, goes to an mbox file (HOSTICO_MAIL_FILE) for the developer.
            _append_mbox(self.settings.mail_file, msg)
            return "outbox"
        return send_smtp(msg, self.settings)

    def delivered_at_once(self, env: Envelope) -> bool:
        """Whether the SMS backend reports delivery itself when it accepts (`file`: its receipt line)."""
        return env.channel == Channel.SMS and bool(getattr(self._sms, "delivers_at_once", False))

    def close(self) -> None:
        """Release the SMS provider's connections."""
        if self._sms is not None:
            self._sms.close()


_MBOX_LOCK = threading.Lock()


def _append_mbox(path: str, msg: EmailMessage) -> None:
    """Append an email to the development mbox (threads of this process, then other processes, in turn)."""
    if not path:
        return
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with _MBOX_LOCK, open(path, "ab") as guard:
        fcntl.flock(guard, fcntl.LOCK_EX)
        box = mailbox.mbox(path)
        try:
            box.add(msg)
            box.flush()
        finally:
            box.close()


def deliver_due(session_factory: Callable[[], Session], settings: NotifySettings, *,
                now: dt.datetime | None = None, worker_id: str | None = None, limit: int | None = None) -> int:
    """Deliver every message due at `now` (default: the clock); return how many were handled.

    A claimed batch is delivered over `settings.delivery_lanes` threads (HOSTICO_OUTBOX_THREADS), each with
    its own provider client and database connection: a delivery waits mostly on the network (the provider,
    then the database), so lanes multiply a worker's throughput. SQLite has one writer: one lane there.
    """
    worker_id = worker_id or default_worker_id()
    lanes = max(1, settings.delivery_lanes)
    channels: list[Channels] = []
    pool: ThreadPoolExecutor | None = None
    handled = 0
    try:
        while limit is None or handled < limit:
            at = now or utcnow()
            batch = settings.batch_size if limit is None else min(settings.batch_size, limit - handled)
            with session_factory() as session:
                ids = outbox.claim_due(session, now=at, worker_id=worker_id, limit=batch,
                                       claim_timeout=settings.claim_timeout_seconds)
                session.commit()
                if not ids:
                    break
                envelopes = _prepare(session, ids, worker_id, settings, at)
                session.commit()
                engine = cast(Engine, session.get_bind())  # the worker's sessions are bound to an engine
            handled += len(ids)
            if engine.dialect.name == "sqlite":
                lanes = 1
            while len(channels) < lanes:
                channels.append(Channels(settings))
            if lanes == 1 or len(envelopes) == 1:
                _deliver_lane(engine, channels[0], envelopes, worker_id, settings, now)
                continue
            pool = pool or ThreadPoolExecutor(max_workers=lanes, thread_name_prefix=f"outbox-{worker_id}")
            queue: SimpleQueue[Envelope] = SimpleQueue()  # each lane takes the next message when it is free
            for env in envelopes:
                queue.put(env)
            futures = [pool.submit(_deliver_lane, engine, channels[i], _drain(queue), worker_id, settings, now)
                       for i in range(min(lanes, len(envelopes)))]
            for future in futures:
                future.result()  # every lane finishes its part before the next claim; an error surfaces here
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
        for lane_channels in channels:
            lane_channels.close()
    return handled


def _drain(queue: SimpleQueue[Envelope]) -> Iterator[Envelope]:
    while True:
        try:
            yield queue.get_nowait()
        except Empty:
            return


# A lane records the messages accepted by the provider (or the SMTP server) together, in one UPDATE, once
# settings.record_group of them wait (HOSTICO_OUTBOX_RECORD_GROUP; default 1: each at once), when one has waited
# RECORD_WAIT seconds (checked before each delivery), and when its part of the batch ends. A group of 8 saves a
# statement and a commit per message (a third of a worker's CPU, bench/outbox.py); the price, why it is not the
# default: a worker killed mid-group sends its waiting messages again after the claim timeout (up to a group per
# lane), and a delivery receipt arriving while its message waits finds nothing to match (docs/notifications.md).
RECORD_WAIT = 0.5


@dataclass(frozen=True)
class Accepted:
    """A delivery the provider accepted, waiting to be recorded with its lane's group."""

    env: Envelope
    provider_id: str
    at: dt.datetime  # when it was accepted (the clock, or the `now` the worker was given)
    since: float  # time.monotonic() when it was accepted


def _deliver_lane(engine: Engine, channels: Channels, envelopes: Iterable[Envelope], worker_id: str,
                  settings: NotifySettings, now: dt.datetime | None) -> None:
    """Deliver envelopes one after another; record failures at once and accepted messages by groups (record_group)
    on a connection held for the lane (Outcomes: written again on a new one if the database went away)."""
    waiting: list[Accepted] = []
    with Outcomes(engine) as record:
        try:
            for env in envelopes:
                if waiting and time.monotonic() - waiting[0].since >= RECORD_WAIT:
                    _record_accepted(record, channels, waiting, worker_id, settings)
                with request_id_bound(env.request_id):
                    accepted = _deliver_one(record, channels, env, worker_id, settings, now)
                if accepted is not None:
                    waiting.append(accepted)
                    if len(waiting) >= settings.record_group:
                        _record_accepted(record, channels, waiting, worker_id, settings)
        finally:
            _record_accepted(record, channels, waiting, worker_id, settings)


class Outcomes:
    """The batch's autocommit connection for recording outcomes, which outlives a database restart.

    A message handed to the provider must be recorded as sent, or another worker sends it again after the claim
    timeout: when the connection is lost (PostgreSQL restarted, the connection terminated, a failover), the
    outcome is written again on a new connection, waiting up to about a minute for the database to answer.
    An UPDATE that did commit before the connection broke is harmless to repeat: its WHERE no longer matches.
    """

    ATTEMPTS = 12

    def __init__(self, engine: Engine) -> None:
        self.engine: Engine = engine
        self.conn: Connection | None = None

    def __enter__(self) -> Outcomes:
        # Connect now, not at the first write (which comes only with the lane's first group): the lane holds its
        # connection through its deliveries, so a cut meanwhile is met, and survived, by the group's write.
        try:
            self.conn = self._connect()
        except DBAPIError:
            self.conn = None  # the first write connects, waiting for the database (__call__)
        return self

    def _connect(self) -> Connection:
        return self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")

    def __exit__(self, *_exc: object) -> None:
        self._drop()

    def __call__(self, write: Callable[[Connection], T]) -> T:
        """Run one outcome write, reconnecting while the database is away."""
        for attempt in range(self.ATTEMPTS):
            try:
                if self.conn is None:
                    self.conn = self._connect()
                return write(self.conn)
            except DBAPIError as exc:
                if not (exc.connection_invalidated or isinstance(exc, OperationalError)) or \
                        attempt == self.ATTEMPTS - 1:
                    raise
                logger.warning("outbox: database connection lost (%s); reconnecting", type(exc.orig).__name__)
                self._drop()
                time.sleep(min(8.0, 0.25 * 2 ** attempt))
        raise AssertionError("unreachable")

    def _drop(self) -> None:
        if self.conn is not None:
            try:
                self.conn.close()
            except DBAPIError:
                pass
            self.conn = None


def _deliver_one(record: Outcomes, channels: Channels, env: Envelope, worker_id: str, settings: NotifySettings,
                 now: dt.datetime | None) -> Accepted | None:
    """Deliver one message; record a failure at once, return an accepted delivery for its lane to record."""
    try:
        provider_id = channels.deliver(env)
    except PermanentDeliveryError as exc:
        error = str(exc)
        if record(lambda c: outbox.mark_dead(c, env.id, worker_id, error=error)) and env.channel == Channel.SMS:
            record(lambda c: _sms_failed(c, env, settings, now or utcnow()))
        logger.warning("outbox %s dead: %s", env.id, error)
        return None
    except TemporaryDeliveryError as exc:
        error, retry_after = str(exc), exc.retry_after
        status = record(lambda c: outbox.mark_retry(
            c, env.id, worker_id, channel=env.channel, attempts=env.attempts, error=error, now=now or utcnow(),
            settings=settings, retry_after=retry_after))
        if status == OutboxStatus.DEAD and env.channel == Channel.SMS:
            record(lambda c: _sms_failed(c, env, settings, now or utcnow()))
        logger.info("outbox %s attempt %s failed (%s): %s", env.id, env.attempts, status, error)
        return None
    except Exception as exc:  # a bug in one adapter must not stall the rest of the batch: retry later
        logger.exception("outbox %s: unexpected delivery error", env.id)
        error = f"unexpected: {type(exc).__name__}: {exc}"
        record(lambda c: outbox.mark_retry(c, env.id, worker_id, channel=env.channel, attempts=env.attempts,
                                           error=error, now=now or utcnow(), settings=settings))
        return None
    # the SMTP server (or provider) has just accepted it
    return Accepted(env, provider_id, now or utcnow(), time.monotonic())


def _record_accepted(record: Outcomes, channels: Channels, waiting: list[Accepted], worker_id: str,
                     settings: NotifySettings) -> None:
    """Record a lane's accepted deliveries as sent (one UPDATE per channel), then what follows each; empty `waiting`."""
    group, waiting[:] = list(waiting), []
    for channel in (Channel.SMS, Channel.EMAIL):
        accepted = [a for a in group if a.env.channel == channel]
        if not accepted:
            continue
        sent = [outbox.Sent(a.env.id, a.provider_id, a.at) for a in accepted]
        sms_backend = settings.sms_backend if channel == Channel.SMS else None
        recorded = record(partial(outbox.mark_sent, sent=sent, worker_id=worker_id, sms_backend=sms_backend))
        for a in accepted:
            with request_id_bound(a.env.request_id):
                _after_sent(record, channels, a, a.env.id in recorded)


def _after_sent(record: Outcomes, channels: Channels, accepted: Accepted, recorded: bool) -> None:
    env, at = accepted.env, accepted.at
    if not recorded:
        logger.warning("outbox %s was sent but its claim had been taken over", env.id)
        return
    if channels.delivered_at_once(env):
        record(lambda c: receipts.record_delivery(c, env.id, receipts.DELIVERED, at=at))
    logger.info("outbox %s sent (%s, attempt %s)", env.id, env.channel, env.attempts)
    if env.has_link:
        # After mark_sent: a crash in between leaves the link pending (it logs nobody in), never the reverse.
        record(lambda c: tokens.activate(c, env.id, accepted_at=at))


def _sms_failed(conn: Connection, env: Envelope, settings: NotifySettings, now: dt.datetime) -> None:
    """An SMS the provider refused for good: a suspension notice is followed by an email saying so (once)."""
    if env.event != "suspension":
        return
    with Session(bind=conn, expire_on_commit=False) as session:
        msg = session.get(OutboxMessage, env.id)
        if msg is not None:
            receipts.tell_customer_sms_failed(session, msg, settings=settings, now=now)
            session.commit()


def run_forever(session_factory: Callable[[], Session], settings: NotifySettings, *, poll_seconds: float = 2.0,
                stop: threading.Event | None = None, worker_id: str | None = None,
                periodic: Sequence[Callable[[], object]] = ()) -> None:
    """Deliver due messages until stopped, sleeping `poll_seconds` when the queue is empty.

    periodic: jobs run before each pass that do their work only when it is due (the caller's: keeping BNR's
    rates fresh, asking VIES again about pending VAT numbers; see hostico.commands.worker).
    """
    stop = stop or threading.Event()
    worker_id = worker_id or default_worker_id()
    while not stop.is_set():
        try:
            for job in periodic:
                job()
            handled = deliver_due(session_factory, settings, worker_id=worker_id)
        except Exception:  # a database hiccup must not kill the worker: log, wait, go on
            logger.exception("outbox worker pass failed")
            handled = 0
        if not handled:
            stop.wait(poll_seconds)
