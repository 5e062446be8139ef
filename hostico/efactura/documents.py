"""Which issued invoices become e-Factura documents, and building + validating their XML before any upload."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from hostico.efactura.deadline import deadline_for
from hostico.errors import N_
from hostico.models import EfacturaDocument, Invoice
from hostico.models.billing_profile import BuyerSnapshot
from hostico.models.efactura import EfacturaState
from hostico.models.invoice import InvoiceKind, InvoiceStatus

logger = logging.getLogger("hostico.efactura")

REPORTED_KINDS = (InvoiceKind.TAX, InvoiceKind.CREDIT_NOTE)
RECHECK_BLOCKED = dt.timedelta(hours=1)  # a document blocked by findings is rebuilt this often (data fixed?)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _finding(rule: str, template: str, params: dict[str, Any]) -> dict[str, Any]:
    """A finding as stored (JSON): the rule, the English template and its parameters, for translation."""
    params = {k: v if isinstance(v, int | float | str) else str(v) for k, v in (params or {}).items()}
    return {"rule": rule, "template": template, "params": params,
            "message": template % params if params else template}


class CorrectedInvoice:
    """The invoice as its document reports it: the correction's seller / buyer in place of the snapshots.

    The invoice itself is never changed (a tax invoice is immutable); every other attribute is the invoice's.
    """

    def __init__(self, invoice: Invoice, *, seller: dict[str, Any] | None, buyer: BuyerSnapshot | None) -> None:
        self.__dict__["_invoice"] = invoice
        self.__dict__["seller"] = seller if seller is not None else invoice.seller
        self.__dict__["buyer"] = buyer if buyer is not None else invoice.buyer
        corrects = invoice.__dict__.get("corrects")  # loaded with the invoice (load_invoice)
        if corrects is None and invoice.corrects_id is not None:
            session = object_session(invoice)
            corrects = session.get(Invoice, invoice.corrects_id) if session is not None else None
        self.__dict__["corrects"] = corrects  # the credit note's reference to the invoice it corrects

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["_invoice"], name)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("an issued invoice is immutable: correct its e-Factura document instead")


def as_reported(doc: EfacturaDocument, invoice: Invoice) -> Invoice:
    """The invoice with the document's corrected parties, when it has any."""
    if doc.seller is None and doc.buyer is None:
        return invoice
    return cast(Invoice, CorrectedInvoice(invoice, seller=doc.seller, buyer=doc.buyer))  # reads as the invoice


def build_and_check(doc: EfacturaDocument, invoice: Invoice, now: dt.datetime) -> bool:
    """Build the UBL document and validate it; keep the XML and the findings; True when it may be uploaded.

    Built from the document's corrected seller / buyer when a correction set them (`as_reported`)."""
    from hostico.efactura.ubl import DocumentError, build_document
    from hostico.efactura.validate import validate_document

    try:
        xml = build_document(as_reported(doc, invoice))
    except DocumentError as err:
        doc.xml = None
        doc.findings = [_finding(err.code, err.template, err.params)]
    except Exception as err:  # noqa: BLE001 - data the builder cannot carry blocks this document, never the batch
        logger.warning("e-Factura document of invoice %s cannot be built: %s", invoice.id, err)
        doc.xml = None
        doc.findings = [_finding("BUILD", N_("The XML cannot be built: %(error)s"), {"error": str(err)[:300]})]
    else:
        doc.xml = xml
        doc.findings = [_finding(f.rule, f.template, f.params) for f in validate_document(xml)] or None
    doc.next_attempt_at = now + RECHECK_BLOCKED if doc.findings else None
    return not doc.findings


def enqueue_new(session: Session, now: dt.datetime, *, limit: int = 200) -> tuple[int, int]:
    """Give every issued tax invoice and credit note without one its e-Factura document; flush.

    Returns (reported, excluded): the scope decides, from the place of supply and the buyer, whether a
    document goes to SPV and through which endpoint.
    """
    from hostico.efactura.scope import route_for

    invoices = session.scalars(
        select(Invoice)
        .outerjoin(EfacturaDocument, EfacturaDocument.invoice_id == Invoice.id)
        .where(Invoice.kind.in_(REPORTED_KINDS), Invoice.status == InvoiceStatus.ISSUED, EfacturaDocument.id.is_(None))
        .order_by(Invoice.id).limit(limit)
        .options(selectinload(Invoice.corrects))
    ).all()
    reported = excluded = 0
    for invoice in invoices:
        route = route_for(invoice)
        doc = EfacturaDocument(invoice_id=invoice.id, issue_date=invoice.issue_date,
                               deadline=deadline_for(invoice.issue_date))
        session.add(doc)
        if route is None:
            doc.state, doc.reason = EfacturaState.EXCLUDED, "place of supply outside Romania"
            excluded += 1
            continue
        doc.state, doc.route = EfacturaState.PENDING, route.endpoint
        doc.standard, doc.extern = route.standard, bool(route.extern)
        build_and_check(doc, invoice, now)
        reported += 1
    session.flush()
    return reported, excluded


def load_invoice(session: Session, invoice_id: int) -> Invoice:
    """The invoice with what the document builder reads (lines, the corrected invoice)."""
    return session.scalars(
        select(Invoice).where(Invoice.id == invoice_id).options(selectinload(Invoice.corrects))
    ).one()
