"""What people do and see: a document's displayed state, the status lines, resending after a fix."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.efactura.corrections import apply_correction, treatment_changes
from hostico.efactura.deadline import deadline_flag
from hostico.efactura.documents import build_and_check, load_invoice
from hostico.models import EfacturaCorrection, EfacturaDocument, EfacturaUpload, Invoice
from hostico.models.billing_profile import BuyerSnapshot
from hostico.models.efactura import EfacturaState, UploadState

UNREPORTED = (EfacturaState.PENDING, EfacturaState.NOK)
DISPLAY_STATES = ("pending", "uploaded", "ok", "nok", "overdue", "excluded")


class EfacturaRefused(Exception):
    """A staff action the document's state does not allow; `code` and `params` for the web layer."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code, self.params = code, params


def display_state(doc: EfacturaDocument, today: dt.date) -> str:
    """The state people see: `overdue` for a document not yet reported past its deadline."""
    if doc.state in UNREPORTED and today > doc.deadline:
        return "overdue"
    return doc.state


def flag(doc: EfacturaDocument, today: dt.date) -> str | None:
    """`near` or `overdue` for a document still to report, else None."""
    return deadline_flag(doc.deadline, today) if doc.state in UNREPORTED else None


def documents_query(*, state: str | None = None, number: str | None = None,
                    today: dt.date) -> Select[EfacturaDocument, str]:
    """Documents with their invoice code, newest first, filtered by displayed state and number."""
    stmt = select(EfacturaDocument, Invoice.code).join(Invoice, Invoice.id == EfacturaDocument.invoice_id)
    if number:
        stmt = stmt.where(Invoice.code == number.strip().upper())
    if state == "overdue":
        stmt = stmt.where(EfacturaDocument.state.in_(UNREPORTED), EfacturaDocument.deadline < today)
    elif state in UNREPORTED:
        stmt = stmt.where(EfacturaDocument.state == state, EfacturaDocument.deadline >= today)
    elif state:
        stmt = stmt.where(EfacturaDocument.state == state)
    return stmt.order_by(EfacturaDocument.issue_date.desc(), EfacturaDocument.id.desc())


@dataclass(frozen=True)
class StatusLine:
    number: str
    state: str
    upload_index: str | None

    def __str__(self) -> str:
        return " ".join(p for p in (self.number, self.state, self.upload_index) if p)


def status_lines(session: Session, today: dt.date, number: str | None = None) -> list[StatusLine]:
    """`NUMBER STATE [upload-index]` for every reported document (or the one asked for), oldest first."""
    stmt = documents_query(number=number, today=today)
    if not number:
        stmt = stmt.where(EfacturaDocument.state != EfacturaState.EXCLUDED)
    rows = session.execute(stmt.order_by(None).order_by(EfacturaDocument.issue_date, EfacturaDocument.id)).all()
    return [StatusLine(code, display_state(doc, today), doc.upload_index) for doc, code in rows]


def _refuse_unless_correctable(session: Session, doc: EfacturaDocument) -> None:
    if doc.state not in UNREPORTED:
        raise EfacturaRefused("not_resendable", state=doc.state)
    open_upload = session.scalar(select(EfacturaUpload.id).where(
        EfacturaUpload.document_id == doc.id,
        EfacturaUpload.state.in_((UploadState.SENDING, UploadState.LOST))).limit(1))
    if open_upload is not None:
        raise EfacturaRefused("upload_unresolved")


def _queue_again(doc: EfacturaDocument, valid: bool) -> None:
    doc.state, doc.anaf_messages, doc.last_error, doc.attempts = EfacturaState.PENDING, None, None, 0
    doc.upload_index = doc.download_id = doc.decided_at = None
    doc.next_attempt_at = None if valid else doc.next_attempt_at


def resend(session: Session, doc: EfacturaDocument, *, now: dt.datetime, actor_id: int | None,
           seller: dict[str, Any] | None = None, today: dt.date | None = None) -> EfacturaDocument:
    """Rebuild and revalidate a `nok` (or blocked) document and queue it for upload; audited; flush only.

    With `seller` (the current settings' snapshot) the document is built from it: a seller setting fixed
    after the invoice was issued (an address without its sector) is what the upload then carries, kept as
    a correction (hostico.efactura.corrections). Never for a document SPV has (`uploaded`, `ok`) or one
    whose upload's answer is still unknown.
    """
    _refuse_unless_correctable(session, doc)
    before = {"state": doc.state, "messages": doc.anaf_messages}
    correction = None
    if seller is not None:
        correction = apply_correction(session, doc, seller=seller, buyer=None, now=now,
                                      today=today or now.date(), actor_id=actor_id)
    valid = not doc.findings if correction is not None else build_and_check(
        doc, load_invoice(session, doc.invoice_id), now)
    _queue_again(doc, valid)
    record(session, "efactura.resend", actor_kind="staff", actor_id=actor_id, obj=doc,
           data={"invoice_id": doc.invoice_id, "before": before, "valid": valid,
                 "findings": doc.findings, "seller_refreshed": correction is not None})
    session.flush()
    return doc


def correct(session: Session, doc: EfacturaDocument, *, buyer: BuyerSnapshot | None, seller: dict[str, Any] | None,
            now: dt.datetime, today: dt.date, actor_id: int | None) -> EfacturaCorrection | None:
    """Correct a blocked or `nok` document (validated buyer data, the seller from the current settings),
    rebuild it and queue it for upload again under the same number and date; flush only.

    Allowed past the deadline too (the correction says `overdue`). A buyer of another kind or country is
    refused (`changes_treatment`): the invoice's tax treatment cannot change without a storno and reissue.
    """
    _refuse_unless_correctable(session, doc)
    if buyer is not None:
        invoice = load_invoice(session, doc.invoice_id)
        changed = treatment_changes(doc.buyer if doc.buyer is not None else invoice.buyer, buyer)
        if changed:
            raise EfacturaRefused("changes_treatment", fields=changed)
    correction = apply_correction(session, doc, seller=seller, buyer=buyer, now=now, today=today,
                                  actor_id=actor_id)
    if correction is None:  # nothing to correct: rebuilt as it is (a resend)
        resend(session, doc, now=now, actor_id=actor_id, today=today)
        return None
    _queue_again(doc, not doc.findings)
    session.flush()
    return correction
