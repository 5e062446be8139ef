"""Correct and resend (docs/efactura.md): a blocked or refused (nok) document rebuilt from corrected parties.

ANAF's remedy for a document SPV never accepted is to correct it and upload it again under the same number
and date; a credit note is not. The tax invoice stays as issued: the correction lives on the e-Factura
document (`seller`, `buyer`, which `documents.as_reported` puts in place of the snapshots), and each one is
kept in `efactura_corrections` with who, when, the parties before and after and both XMLs, and audited.
Past the deadline a correction is still allowed (better late than never) and recorded as overdue.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.efactura.documents import build_and_check, load_invoice
from hostico.models import EfacturaCorrection, EfacturaDocument
from hostico.models.billing_profile import BuyerSnapshot

# A correction fixes how the buyer is written, never who the buyer is: a person becoming a company, or another
# country, changes the tax treatment of an invoice that cannot change (cancel it and reissue instead).
TREATMENT_FIELDS = ("kind", "country")


def treatment_changes(before: BuyerSnapshot | None, after: BuyerSnapshot) -> list[str]:
    """The buyer fields whose change would change the invoice's tax treatment (refused)."""
    was: Mapping[str, object] = before or {}
    now: Mapping[str, object] = after
    return [name for name in TREATMENT_FIELDS
            if str(was.get(name) or "").upper() != str(now.get(name) or "").upper()]


def apply_correction(session: Session, doc: EfacturaDocument, *, seller: dict[str, Any] | None,
                     buyer: BuyerSnapshot | None, now: dt.datetime, today: dt.date,
                     actor_id: int | None) -> EfacturaCorrection | None:
    """Store the corrected parties on the document, rebuild and revalidate its XML, keep the correction and
    audit it; flush only. `seller` / `buyer` None keep the current ones. None when nothing changed."""
    invoice = load_invoice(session, doc.invoice_id)
    seller_before = doc.seller if doc.seller is not None else invoice.seller
    buyer_before = doc.buyer if doc.buyer is not None else invoice.buyer
    seller_after = seller_before if seller is None else dict(seller)
    buyer_after = buyer_before if buyer is None else {**(buyer_before or {}), **buyer}
    if seller_after == seller_before and buyer_after == buyer_before:
        return None
    xml_before = doc.xml
    doc.seller = None if seller_after == invoice.seller else seller_after
    doc.buyer = None if buyer_after == invoice.buyer else buyer_after
    valid = build_and_check(doc, invoice, now)
    correction = EfacturaCorrection(
        document_id=doc.id, created_at=now, actor_id=actor_id, state_before=doc.state,
        overdue=today > doc.deadline,
        seller_before=seller_before if seller_after != seller_before else None,
        seller_after=seller_after if seller_after != seller_before else None,
        buyer_before=buyer_before if buyer_after != buyer_before else None,
        buyer_after=buyer_after if buyer_after != buyer_before else None,
        xml_before=xml_before, xml_after=doc.xml, findings_after=doc.findings)
    session.add(correction)
    record(session, "efactura.corrected", actor_kind="staff" if actor_id else "system", actor_id=actor_id,
           obj=doc, data={"invoice_id": doc.invoice_id, "state": doc.state, "overdue": correction.overdue,
                          "seller": {"before": correction.seller_before, "after": correction.seller_after},
                          "buyer": {"before": correction.buyer_before, "after": correction.buyer_after},
                          "valid": valid, "findings": doc.findings})
    session.flush()
    return correction
