"""Editing a proforma's billing data (docs/proforma-edit.md): only unpaid proformas, every edit in the history.

A proforma paid while its edit form was open is refused here, under the invoice's row lock (and the
version column on SQLite), so the tax invoice always carries the data the proforma had when paid.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.buyers.completeness import missing_buyer_fields, require_complete_buyer
from hostico.billing.buyers.lifecycle import approve, create_profile, reject
from hostico.billing.buyers.profiles import needs_approval
from hostico.billing.currency import document_currency
from hostico.billing.errors import BillingError, InvalidTransition, InvoiceNotEditable
from hostico.billing.invoicing import add_event, recompute, treatment_of
from hostico.billing.payments import lock_invoice
from hostico.billing.queries import unpaid_proforma
from hostico.billing.settings import BillingSettings
from hostico.billing.taxes import tax_treatment
from hostico.db import for_update
from hostico.errors import N_, state_param
from hostico.models import BillingProfile, Invoice, PendingBillingEdit, utcnow
from hostico.models.billing_profile import Approval, BuyerSnapshot
from hostico.models.invoice import InvoiceKind, InvoiceStatus, PendingEditStatus

_NOT_PROFORMA = {
    "tax": N_("%(number)s is a tax invoice; its billing data never changes. Corrections are made with a credit note:"
              " please contact us."),
    "credit_note": N_("%(number)s is a credit note; its billing data never changes. Corrections are made with a"
                      " credit note: please contact us."),
}


@dataclass
class EditOutcome:
    """What an edit did: applied at once, or waiting for staff approval (pending)."""

    invoice: Invoice
    applied: bool
    pending: PendingBillingEdit | None = None
    vat_changed: bool = False


def refuse_unless_editable(invoice: Invoice) -> None:
    """Raise InvoiceNotEditable, with a message for the customer, unless this is an unpaid proforma."""
    if invoice.kind != InvoiceKind.PROFORMA:
        raise InvoiceNotEditable(
            _NOT_PROFORMA.get(invoice.kind, _NOT_PROFORMA["tax"]), code="not_a_proforma", number=invoice.code)
    if invoice.status == InvoiceStatus.PAID:
        raise InvoiceNotEditable(
            N_("Proforma %(number)s has been paid, so its billing data can no longer be changed."
               " The tax invoice was issued on the data it had when paid."), code="paid", number=invoice.code)
    if invoice.status != InvoiceStatus.UNPAID:
        raise InvoiceNotEditable(N_("Proforma %(number)s is %(status)s; it can no longer be changed."),
                             code="not_unpaid", number=invoice.code, status=state_param(invoice.status))
    if invoice.amount_paid:
        raise InvoiceNotEditable(
            N_("Proforma %(number)s is partly paid: the advance was invoiced on its billing data, so they can no"
               " longer be changed."), code="partly_paid", number=invoice.code)


def _state(invoice: Invoice) -> dict[str, Any]:
    return {"buyer": invoice.buyer.copy(), "billing_profile_id": invoice.billing_profile_id,
            "reverse_charge": invoice.reverse_charge, "vat_category": invoice.vat_category,
            "currency": invoice.currency, "subtotal": str(invoice.subtotal),
            "vat_total": str(invoice.vat_total), "total": str(invoice.total)}


def _apply(session: Session, invoice: Invoice, buyer: BuyerSnapshot, profile: BillingProfile | None,
           settings: BillingSettings, *, actor_kind: str, actor_id: int | None, code: str | None = None,
           params: dict[str, Any] | None = None, today: dt.date | None = None) -> bool:
    before = _state(invoice)
    on = today or settings.today()  # an unpaid proforma shows the VAT rate in force today
    vat_changed = treatment_of(invoice) != tax_treatment(buyer, settings, on)
    moved = document_currency(invoice.buyer) != document_currency(buyer)
    invoice.buyer = buyer.copy()
    invoice.billing_profile_id = profile.id if profile is not None else None
    if vat_changed or moved:
        recompute(invoice, settings, on)
    if profile is not None:
        profile.used_for_invoicing = True
    session.flush()  # bumps the version column: a concurrent payment makes this fail, not pass silently
    after = _state(invoice)
    add_event(session, invoice, "billing_edited", actor_kind=actor_kind, actor_id=actor_id,
              before=before, after=after, code=code, params=params)
    record(session, "invoice.billing_edited", actor_kind=actor_kind, actor_id=actor_id, obj=invoice,
           customer_id=invoice.customer_id,
           data={"code": invoice.code, "before": before["buyer"], "after": after["buyer"],
                 "total_before": before["total"], "total_after": after["total"]})
    return vat_changed


def _supersede_pending(session: Session, invoice_id: int, note: str) -> None:
    session.execute(
        update(PendingBillingEdit)
        .where(PendingBillingEdit.invoice_id == invoice_id, PendingBillingEdit.status == PendingEditStatus.PENDING)
        .values(status=PendingEditStatus.REJECTED, decided_at=utcnow(), note=note)
    )


def edit_proforma_billing(
    session: Session,
    invoice_id: int,
    *,
    customer_id: int,
    buyer: BuyerSnapshot | None,
    profile: BillingProfile | None,
    settings: BillingSettings,
    save_profile: bool = False,
    profile_label: str | None = None,
    ip: str | None = None,
) -> EditOutcome:
    """Bill an unpaid proforma on new data (a saved profile or a validated buyer snapshot).

    Typed data is saved as a profile when asked, and always when staff must approve new profiles
    (the approval is of a profile). With approval on, a never-used profile becomes a pending edit.
    Raises InvoiceNotEditable for anything but an unpaid proforma of this customer.
    """
    invoice = lock_invoice(session, invoice_id)
    if invoice.customer_id != customer_id:
        raise InvoiceNotEditable(N_("This invoice is not yours."), code="not_yours")
    refuse_unless_editable(invoice)
    if profile is not None:
        if profile.customer_id != customer_id or profile.deleted_at is not None:
            raise InvalidTransition(N_("This billing profile is not available."), code="profile_unavailable")
        buyer = profile.snapshot()
    if buyer is None:
        raise ValueError("an edit needs a buyer or a profile")
    require_complete_buyer(buyer)
    if profile is None and (save_profile or settings.approve_new_billing_profiles):
        profile = create_profile(session, customer_id, buyer, settings, label=profile_label, default="never",
                                 approve_first=False)
    if profile is not None and needs_approval(profile, settings):
        _supersede_pending(session, invoice.id, "superseded by a later edit")
        profile.approval = Approval.PENDING
        pending = PendingBillingEdit(invoice_id=invoice.id, customer_id=customer_id, billing_profile_id=profile.id)
        session.add(pending)
        session.flush()
        add_event(session, invoice, "billing_edit_pending", actor_kind="customer", actor_id=customer_id,
                  before={"buyer": invoice.buyer.copy()}, after={"buyer": buyer},
                  code="awaiting_approval")
        record(session, "invoice.billing_edit_pending", actor_kind="customer", actor_id=customer_id, obj=invoice,
               customer_id=customer_id, ip=ip, data={"code": invoice.code, "pending_id": pending.id,
                                                     "profile_id": profile.id})
        return EditOutcome(invoice=invoice, applied=False, pending=pending)
    _supersede_pending(session, invoice.id, "superseded by a later edit")
    vat_changed = _apply(session, invoice, buyer, profile, settings, actor_kind="customer", actor_id=customer_id)
    return EditOutcome(invoice=invoice, applied=True, vat_changed=vat_changed)


def _lock_pending(session: Session, pending_id: int) -> PendingBillingEdit:
    stmt = select(PendingBillingEdit).where(PendingBillingEdit.id == pending_id).execution_options(
        populate_existing=True)
    pending = session.scalar(for_update(session, stmt))
    if pending is None:
        raise InvalidTransition(N_("This billing change does not exist."), code="no_such_change")
    if pending.status != PendingEditStatus.PENDING:
        raise InvalidTransition(N_("This billing change was already %(status)s."), code="change_decided",
                                status=state_param(pending.status))
    return pending


def approve_pending_edit(session: Session, pending_id: int, staff_id: int, settings: BillingSettings) -> bool:
    """Approve the profile of a pending edit and apply it; returns False when the proforma can no longer change.

    The profile stays approved either way, so the customer's later edits with it apply at once.
    """
    pending = _lock_pending(session, pending_id)
    profile = session.get_one(BillingProfile, pending.billing_profile_id)
    invoice = lock_invoice(session, pending.invoice_id)
    now = utcnow()
    pending.status, pending.decided_by, pending.decided_at = PendingEditStatus.APPROVED, staff_id, now
    approve(profile)
    applied = invoice.is_editable and profile.deleted_at is None
    if applied:
        _apply(session, invoice, profile.snapshot(), profile, settings, actor_kind="staff", actor_id=staff_id,
               code="approved_change", params={"request": pending.id})
    else:
        pending.note = f"approved, not applied: {invoice.code} is {invoice.status}"
        add_event(session, invoice, "billing_edit_not_applied", actor_kind="staff", actor_id=staff_id,
                  code="not_applied", params={"invoice": invoice.code, "status": invoice.status})
    record(session, "billing_edit.approved", actor_kind="staff", actor_id=staff_id, obj=pending,
           customer_id=pending.customer_id, data={"code": invoice.code, "profile_id": profile.id, "applied": applied})
    session.flush()
    return applied


def reject_pending_edit(session: Session, pending_id: int, staff_id: int, note: str | None) -> PendingBillingEdit:
    """Drop a pending edit: the proforma keeps its billing data and the profile is marked rejected."""
    pending = _lock_pending(session, pending_id)
    profile = session.get_one(BillingProfile, pending.billing_profile_id)
    invoice = session.get_one(Invoice, pending.invoice_id)
    pending.status, pending.decided_by, pending.decided_at = PendingEditStatus.REJECTED, staff_id, utcnow()
    pending.note = (note or "").strip()[:500] or None
    if profile is not None:
        reject(profile)
    add_event(session, invoice, "billing_edit_rejected", actor_kind="staff", actor_id=staff_id, note=pending.note)
    record(session, "billing_edit.rejected", actor_kind="staff", actor_id=staff_id, obj=pending,
           customer_id=pending.customer_id, data={"code": invoice.code, "note": pending.note})
    session.flush()
    return pending


def complete_unpaid_proformas(session: Session, customer_id: int, profile: BillingProfile,
                              settings: BillingSettings) -> list[str]:
    """Bill on `profile` the customer's unpaid proformas issued without complete buyer data (before the
    rule existed); each change is an edit in its history. Return their numbers."""
    if missing_buyer_fields(profile.snapshot()):
        return []
    unpaid = session.scalars(select(Invoice.id).where(Invoice.customer_id == customer_id, unpaid_proforma())
                         .order_by(Invoice.id)).all()
    done = []
    for invoice_id in unpaid:
        invoice = session.get_one(Invoice, invoice_id)
        if not missing_buyer_fields(invoice.buyer):
            continue
        try:
            with session.begin_nested():  # one proforma that cannot change (paid meanwhile, no BNR rate) is skipped
                outcome = edit_proforma_billing(session, invoice_id, customer_id=customer_id, buyer=None,
                                                profile=profile, settings=settings)
        except BillingError:
            continue
        if outcome.applied:
            done.append(invoice.code)
    return done
