"""The SPV jobs: upload what is due, poll stareMesaj, download and archive the ZIP — never uploading twice.

Every upload is first recorded (`efactura_uploads`, state `sending`) and committed, then sent. If the
answer is lost (timeout, dropped connection, 500/502/504) the upload is `lost`: before uploading the
document again the job waits HOSTICO_EFACTURA_RECHECK_MINUTES and looks for it in SPV's message list
(listaMesajeFactura), matching the original in each unknown message's ZIP against what was sent.
Run by `flask --app wsgi efactura sync` and by the worker (`sync` / `run_forever`).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, cast
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hostico.clock import business_today
from hostico.db import advisory_lock, for_update
from hostico.efactura import oauth
from hostico.efactura.corrections import apply_correction
from hostico.efactura.documents import build_and_check, enqueue_new, load_invoice, sha256
from hostico.efactura.errors import AnafAuthError, AnafError, AnafRefused, AnafTemporaryError
from hostico.efactura.settings import EfacturaSettings
from hostico.efactura.simulator import shared_simulator
from hostico.efactura.spv import ArchivedZip, SpvClient, SpvMessage
from hostico.models import EfacturaDocument, EfacturaUpload, utcnow
from hostico.models.efactura import EfacturaState, UploadState

logger = logging.getLogger("hostico.efactura")
OPEN_UPLOADS = (UploadState.SENDING, UploadState.LOST)
MAX_MATCH_DOWNLOADS = 20  # ZIPs opened per reconciliation, at most
LOCK = "efactura-sync"  # one sync at a time on every host (hostico.db.advisory_lock)


@dataclass
class SyncSummary:
    enqueued: int = 0
    excluded: int = 0
    uploaded: int = 0
    found: int = 0
    ok: int = 0
    nok: int = 0
    blocked: int = 0
    waiting: int = 0
    errors: list[str] = field(default_factory=list)
    requests: int = 0
    busy: bool = False  # another sync held the lock: this one did nothing

    def line(self) -> str:
        if self.busy:
            return "another e-Factura sync is running (on this or another host): nothing done"
        return (f"enqueued {self.enqueued}, excluded {self.excluded}, uploaded {self.uploaded}, "
                f"found in SPV {self.found}, ok {self.ok}, nok {self.nok}, blocked {self.blocked}, "
                f"waiting {self.waiting}, errors {len(self.errors)}, requests {self.requests}")


class _StopRun(Exception):
    """No usable token: stop this run, every call would fail the same way."""


def make_client(session_factory: Callable[[], Session], settings: EfacturaSettings, **kw: Any) -> SpvClient:
    """The SPV client for the mode: the built-in simulator, or ANAF with OAuth tokens."""
    if settings.mode == "simulate":
        kw.setdefault("transport", shared_simulator(settings.simulator_file).transport())
        return SpvClient(settings, lambda force: "simulated", **kw)
    oauth_transport = kw.pop("oauth_transport", None)
    return SpvClient(settings, lambda force: oauth.access_token(session_factory, settings, force=force,
                                                                transport=oauth_transport), **kw)


def backoff(settings: EfacturaSettings, attempts: int, retry_after: float | None = None) -> dt.timedelta:
    """Exponential backoff for temporary failures (or the server's Retry-After)."""
    seconds = settings.retry_base_seconds * 2 ** max(0, attempts - 1)
    if retry_after:
        seconds = max(seconds, retry_after)
    return dt.timedelta(seconds=min(settings.retry_max_seconds, seconds))


def _fail(doc: EfacturaDocument, settings: EfacturaSettings, err: AnafError, now: dt.datetime,
          summary: SyncSummary) -> None:
    doc.attempts += 1
    doc.last_error = str(err)[:2000]
    doc.next_attempt_at = now + backoff(settings, doc.attempts, getattr(err, "retry_after", None))
    summary.errors.append(f"{doc.id}: {err}")


def sync(session_factory: Callable[[], Session], config: Mapping[str, Any] | EfacturaSettings, *,
         now: dt.datetime | None = None, client: SpvClient | None = None, batch: int = 100) -> SyncSummary:
    """Enqueue new documents, upload what is due, poll and download; one transaction per step."""
    settings = config if isinstance(config, EfacturaSettings) else EfacturaSettings.from_config(config)
    summary = SyncSummary()
    if not settings.enabled:
        return summary
    with session_factory() as lock_session, advisory_lock(lock_session, LOCK) as held:
        if not held:
            summary.busy = True
            return summary
        return _sync(session_factory, settings, summary, now=now, client=client, batch=batch)


def _sync(session_factory: Callable[[], Session], settings: EfacturaSettings, summary: SyncSummary, *,
          now: dt.datetime | None, client: SpvClient | None, batch: int) -> SyncSummary:
    now = now or utcnow()
    with session_factory() as session:
        try:
            summary.enqueued, summary.excluded = enqueue_new(session, now)
            session.commit()
        except IntegrityError:
            session.rollback()  # another worker enqueued the same invoices first: theirs stand
    if settings.mode in ("test", "prod"):
        _warn_token_expiry(session_factory, now)
    own_client = client is None
    client = client or make_client(session_factory, settings)
    try:
        for step, state in ((_upload_one, EfacturaState.PENDING), (_poll_one, EfacturaState.UPLOADED)):
            for doc_id in _due(session_factory, state, now, batch):
                _isolated(step, session_factory, client, settings, doc_id, now, summary)
    except _StopRun as stop:
        summary.errors.append(str(stop))
        logger.warning("e-Factura sync stopped: %s", stop)
    finally:
        summary.requests = client.requests
        if own_client:
            client.close()
    return summary


def _warn_token_expiry(session_factory: Callable[[], Session], now: dt.datetime) -> None:
    """Email the admins 30 and 7 days before ANAF's refresh token expires (once per threshold)."""
    from hostico.efactura.token_alerts import warn_admins

    with session_factory() as session:
        try:
            warn_admins(session, now)
            session.commit()
        except IntegrityError:
            session.rollback()  # another worker queued the same emails first
        except Exception:  # noqa: BLE001 - a warning must never stop the uploads
            session.rollback()
            logger.exception("ANAF token expiry warning failed")


def _isolated(step: Callable[..., None], session_factory: Callable[[], Session], client: SpvClient,
              settings: EfacturaSettings, doc_id: int,
              now: dt.datetime, summary: SyncSummary) -> None:
    """Run one document's step; an unexpected failure is that document's alone (kept on it, retried later)."""
    try:
        step(session_factory, client, settings, doc_id, now, summary)
    except _StopRun:
        raise
    except Exception as err:  # noqa: BLE001 - one document's fault never stops, delays or hides the others
        logger.exception("e-Factura document %s failed", doc_id)
        with session_factory() as session:
            doc = session.get(EfacturaDocument, doc_id)
            if doc is not None:
                doc.attempts += 1
                doc.last_error = f"{type(err).__name__}: {err}"[:2000]
                doc.next_attempt_at = now + backoff(settings, doc.attempts)
                session.commit()
        summary.errors.append(f"{doc_id}: {type(err).__name__}")


def _due(session_factory: Callable[[], Session], state: EfacturaState, now: dt.datetime, batch: int) -> list[int]:
    with session_factory() as session:
        return list(session.scalars(
            select(EfacturaDocument.id)
            .where(EfacturaDocument.state == state,
                   or_(EfacturaDocument.next_attempt_at.is_(None), EfacturaDocument.next_attempt_at <= now))
            .order_by(EfacturaDocument.deadline, EfacturaDocument.id).limit(batch)
        ))


def _lock(session: Session, doc_id: int, state: EfacturaState) -> EfacturaDocument | None:
    """Take the document for this worker (PostgreSQL: SKIP LOCKED, so parallel workers share the work)."""
    return session.scalar(for_update(session, select(EfacturaDocument).where(EfacturaDocument.id == doc_id,
                                                                             EfacturaDocument.state == state),
                                     skip_locked=True))


# -- upload --------------------------------------------------------------------------------------------
def _upload_one(session_factory: Callable[[], Session], client: SpvClient, settings: EfacturaSettings, doc_id: int,
                now: dt.datetime,
                summary: SyncSummary) -> None:
    with session_factory() as session:
        doc = _lock(session, doc_id, EfacturaState.PENDING)
        if doc is None:
            return
        open_uploads = session.scalars(select(EfacturaUpload).where(
            EfacturaUpload.document_id == doc.id, EfacturaUpload.state.in_(OPEN_UPLOADS))).all()
        if open_uploads:
            # An earlier upload may have reached SPV: find it there before sending anything again.
            latest = max(u.started_at for u in open_uploads)
            if now - latest < dt.timedelta(minutes=settings.recheck_minutes):
                doc.next_attempt_at = latest + dt.timedelta(minutes=settings.recheck_minutes)
                session.commit()
                summary.waiting += 1
                return
            try:
                if _find_in_spv(session, client, doc, open_uploads, now):
                    session.commit()
                    summary.found += 1
                    summary.ok += 1
                    return
            except AnafAuthError as err:
                raise _StopRun(str(err)) from err
            except AnafError as err:
                _fail(doc, settings, err, now, summary)
                session.commit()
                return
            for upload in open_uploads:
                upload.state, upload.error = UploadState.FAILED, "not in SPV's message list: uploading again"
        if doc.findings or doc.xml is None:
            if doc.next_attempt_at is None or doc.next_attempt_at <= now:
                # Blocked, never sent: build it from the seller as the settings say now (a fixed address),
                # kept as a correction; otherwise rebuild it as it is (the data may have been fixed).
                refreshed = settings.seller and apply_correction(
                    session, doc, seller=dict(settings.seller), buyer=None, now=now,
                    today=business_today(settings.timezone, now), actor_id=None)
                if not refreshed:
                    build_and_check(doc, load_invoice(session, doc.invoice_id), now)
            if doc.findings:
                session.commit()
                summary.blocked += 1
                return
        xml = cast(bytes, doc.xml)  # built above (build_and_check): never None here
        upload = EfacturaUpload(document_id=doc.id, state=UploadState.SENDING, started_at=now,
                                xml_sha256=sha256(xml))
        session.add(upload)
        b2c, standard, extern = doc.route == "uploadb2c", doc.standard, doc.extern
        session.commit()  # recorded before it is sent: a crash from here on is an ambiguous upload

        try:
            index = client.upload(xml, b2c=b2c, standard=standard, extern=extern)
        except AnafAuthError as err:
            upload.state, upload.error = UploadState.FAILED, str(err)[:2000]
            _fail(doc, settings, err, now, summary)
            session.commit()
            raise _StopRun(str(err)) from err
        except AnafRefused as err:
            # ExecutionStatus=1: SPV registered nothing; the same bytes would be refused again.
            upload.state, upload.error = UploadState.FAILED, str(err)[:2000]
            doc.state, doc.decided_at = EfacturaState.NOK, now
            doc.anaf_messages = list(cast("list[str]", err.params.get("errors")) or [str(err)])
            doc.last_error = str(err)[:2000]
            session.commit()
            summary.nok += 1
            return
        except AnafTemporaryError as err:
            upload.state, upload.error = (UploadState.LOST if err.ambiguous else UploadState.FAILED), str(err)[:2000]
            _fail(doc, settings, err, now, summary)
            if err.ambiguous:
                doc.next_attempt_at = now + dt.timedelta(minutes=settings.recheck_minutes)
            session.commit()
            return
        upload.state, upload.upload_index, upload.answered_at = UploadState.ANSWERED, index, now
        doc.state, doc.upload_index, doc.uploaded_at = EfacturaState.UPLOADED, index, now
        doc.attempts, doc.last_error, doc.next_attempt_at = 0, None, now + settings.poll_unit
        session.commit()
        summary.uploaded += 1


def _document_id(xml: bytes | None) -> tuple[str, str] | None:
    if not xml:
        return None
    from lxml import etree

    try:
        root = etree.fromstring(xml, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return None
    cbc = "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}"
    return (root.findtext(f"{cbc}ID") or "", root.findtext(f"{cbc}IssueDate") or "")


def _find_in_spv(session: Session, client: SpvClient, doc: EfacturaDocument, open_uploads: Sequence[EfacturaUpload],
                 now: dt.datetime) -> bool:
    """Look for a lost upload among SPV's messages; adopt it (ok, ZIP archived) when its original is ours."""
    days = (now.date() - min(u.started_at for u in open_uploads).date()).days + 1
    messages = [m for m in client.messages(days, filtru="T") if m.kind == "FACTURA TRIMISA" and m.upload_index]
    known = set(session.scalars(select(EfacturaUpload.upload_index).where(
        EfacturaUpload.upload_index.in_([m.upload_index for m in messages]))))
    ours = {u.xml_sha256 for u in open_uploads}
    wanted = _document_id(doc.xml)
    for message in [m for m in messages if m.upload_index not in known][:MAX_MATCH_DOWNLOADS]:
        archive = client.download(message.id)
        original = archive.invoice_xml()
        if original is None or (sha256(original) not in ours and _document_id(original) != wanted):
            continue
        upload = max(open_uploads, key=lambda u: u.started_at)
        _adopt(doc, upload, message, archive, now)
        return True
    return False


def _adopt(doc: EfacturaDocument, upload: EfacturaUpload, message: SpvMessage, archive: ArchivedZip,
           now: dt.datetime) -> None:
    upload.state, upload.upload_index, upload.answered_at = UploadState.ANSWERED, message.upload_index, now
    upload.stare, upload.download_id, upload.zip = "ok", message.id, archive.content
    doc.state, doc.upload_index, doc.download_id = EfacturaState.OK, message.upload_index, message.id
    doc.decided_at = now
    doc.uploaded_at = doc.uploaded_at or upload.started_at
    doc.attempts, doc.last_error, doc.next_attempt_at = 0, None, None


# -- poll and download ---------------------------------------------------------------------------------
def poll_delay(checks: int, unit: dt.timedelta = dt.timedelta(minutes=1)) -> dt.timedelta:
    """1, 2, 4 … 60 minutes (units) between status queries of one upload."""
    return unit * min(60, int(2 ** max(0, checks - 1)))


def _poll_one(session_factory: Callable[[], Session], client: SpvClient, settings: EfacturaSettings, doc_id: int,
              now: dt.datetime,
              summary: SyncSummary) -> None:
    with session_factory() as session:
        doc = _lock(session, doc_id, EfacturaState.UPLOADED)
        if doc is None:
            return
        upload = session.scalars(select(EfacturaUpload).where(
            EfacturaUpload.document_id == doc.id, EfacturaUpload.upload_index == doc.upload_index)).one()
        try:
            if upload.stare is None or upload.stare == "in prelucrare":
                today = business_today(settings.timezone, now)
                if upload.status_checks_day != today:
                    upload.status_checks_day, upload.status_checks = today, 0
                if upload.status_checks >= settings.status_checks_per_day:
                    # ANAF allows 100 status queries per message per day: wait for tomorrow.
                    tomorrow = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0, 5),
                                                   ZoneInfo(settings.timezone))
                    doc.next_attempt_at = tomorrow.astimezone(dt.UTC)
                    session.commit()
                    summary.waiting += 1
                    return
                upload.status_checks += 1
                answer = client.status(cast(str, upload.upload_index))  # the row was found by its index
                upload.stare, upload.download_id = answer.stare, answer.download_id
                if answer.processing:
                    doc.next_attempt_at = now + poll_delay(upload.status_checks, settings.poll_unit)
                    session.commit()
                    summary.waiting += 1
                    return
            verdict = EfacturaState.OK if upload.stare == "ok" else EfacturaState.NOK
            messages: list[Any] = [] if verdict == EfacturaState.OK else [upload.stare]
            if upload.download_id:
                archive = client.download(upload.download_id)
                upload.zip = archive.content
                messages = archive.errors() if verdict == EfacturaState.NOK else []
        except AnafAuthError as err:
            _fail(doc, settings, err, now, summary)
            session.commit()
            raise _StopRun(str(err)) from err
        except AnafError as err:
            _fail(doc, settings, err, now, summary)
            session.commit()
            return
        doc.state, doc.decided_at, doc.download_id = verdict, now, upload.download_id
        doc.anaf_messages = messages or None
        doc.attempts, doc.last_error, doc.next_attempt_at = 0, None, None
        session.commit()
        setattr(summary, verdict, getattr(summary, verdict) + 1)


# -- the worker ------------------------------------------------------------------------------------------
def run_forever(session_factory: Callable[[], Session], config: Mapping[str, Any] | EfacturaSettings, *,
                stop: threading.Event, interval: float | None = None) -> None:
    """Sync every HOSTICO_EFACTURA_SYNC_SECONDS until `stop` is set (the worker and `make run`)."""
    settings = config if isinstance(config, EfacturaSettings) else EfacturaSettings.from_config(config)
    if not settings.enabled:
        return
    while not stop.is_set():
        try:
            summary = sync(session_factory, settings)
            if summary.uploaded or summary.ok or summary.nok or summary.errors:
                logger.info("e-Factura sync: %s", summary.line())
        except Exception:  # keep the worker alive; the next round retries
            logger.exception("e-Factura sync failed")
        stop.wait(settings.sync_interval if interval is None else interval)
