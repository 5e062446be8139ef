"""The billing-profile lifecycle: create, change, delete, make default, staff's decision.

See docs/fiscal.md (whose data bills) and docs/proforma-edit.md (approval of new billing profiles).

The rules live here once, for My Details, the order form, the proforma edit and staff: a customer's first
complete billing data needs no approval (there is nothing earlier to protect); a change of identity (whom an
invoice is issued to) needs staff's approval again while HOSTICO_APPROVE_NEW_BILLING_PROFILES is on, and
drops the pending proforma edits that named the profile; deleting the default hands the default over to the
oldest remaining profile. Each operation flushes and writes its audit record; the caller commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.billing.buyers.profiles import billing_profile_for
from hostico.billing.buyers.validation import BUYER_FIELDS
from hostico.billing.settings import BillingSettings
from hostico.models import BillingProfile, PendingBillingEdit, utcnow
from hostico.models.billing_profile import Approval
from hostico.models.invoice import PendingEditStatus

# The data that identifies whom an invoice is issued to: changing it needs a new staff approval
# when HOSTICO_APPROVE_NEW_BILLING_PROFILES is on.
IDENTITY_FIELDS = ("kind", "name", "cnp", "company_name", "cui", "vat_number", "country")
PROFILE_FIELDS = (*BUYER_FIELDS, "vies")

# When a new profile becomes the default: always, only when the customer has no default yet, or never.
Default = Literal["always", "if_none", "never"]


def _label(label: str | None) -> str | None:
    return (label or "").strip()[:100] or None


def live_profiles(session: Session, customer_id: int) -> list[BillingProfile]:
    """The customer's profiles that are not deleted, the default first, then the oldest."""
    return list(session.scalars(select(BillingProfile).where(
        BillingProfile.customer_id == customer_id, BillingProfile.deleted_at.is_(None)
    ).order_by(BillingProfile.is_default.desc(), BillingProfile.id)))


def _set_default(session: Session, profile: BillingProfile) -> None:
    session.execute(update(BillingProfile).where(BillingProfile.customer_id == profile.customer_id,
                                                 BillingProfile.id != profile.id).values(is_default=False))
    profile.is_default = True


def drop_pending_for_profile(session: Session, profile_id: int, note: str) -> None:
    """Drop the pending edits that name a profile whose data changed or which was deleted.

    Staff approve the data they saw; a request must not carry other data into the proforma later.
    """
    session.execute(
        update(PendingBillingEdit)
        .where(PendingBillingEdit.billing_profile_id == profile_id,
               PendingBillingEdit.status == PendingEditStatus.PENDING)
        .values(status=PendingEditStatus.REJECTED, decided_at=utcnow(), note=note)
    )


def create_profile(session: Session, customer_id: int, buyer: Mapping[str, object], settings: BillingSettings, *,
                   label: str | None = None, default: Default = "if_none", approve_first: bool = True,
                   ip: str | None = None, via: str | None = None, staff_id: int | None = None) -> BillingProfile:
    """Save validated buyer data (and VIES's answer, when given) as a new billing profile of the customer.

    staff_id names the staff member who typed it (an account staff open with its billing data); the
    audit record names them as the actor, else the customer.

    "pending" until staff approve its first use; it matters only while approvals are required. With
    approve_first, the customer's first complete billing data is approved at once. The proforma edit saves
    typed data as a pending profile that is not the default (its approval is of that edit).
    """
    first = approve_first and billing_profile_for(session, customer_id, settings) is None
    profile = BillingProfile(customer_id=customer_id, label=_label(label),
                             approval=Approval.APPROVED if first else Approval.PENDING,
                             **{name: buyer.get(name) for name in PROFILE_FIELDS})
    session.add(profile)
    session.flush()
    if default == "always" or (default == "if_none" and not any(
            p.is_default for p in live_profiles(session, customer_id) if p.id != profile.id)):
        _set_default(session, profile)
    data = {"kind": profile.kind, "name": profile.display_name}
    record(session, "billing_profile.created", actor_kind="staff" if staff_id else "customer",
           actor_id=staff_id or customer_id, obj=profile,
           customer_id=customer_id, ip=ip, data={**data, "via": via} if via else data)
    session.flush()
    return profile


def update_profile(session: Session, profile: BillingProfile, buyer: Mapping[str, object],
                   settings: BillingSettings, *, label: str | None, make_default: bool = False,
                   ip: str | None = None) -> BillingProfile:
    """Change a profile's data; invoices already issued keep the data they were issued with.

    A change of identity drops the pending edits that named the profile and, while approvals are required,
    makes the profile wait for staff's approval again before it bills anything.
    """
    before = profile.snapshot()
    for name in BUYER_FIELDS:
        setattr(profile, name, buyer.get(name))
    profile.vies = buyer.get("vies")  # type: ignore[assignment]
    profile.label = _label(label)
    if make_default:
        _set_default(session, profile)
    was: Mapping[str, object] = before
    if any(was[k] != buyer.get(k) for k in IDENTITY_FIELDS):
        drop_pending_for_profile(session, profile.id, "the customer changed the profile after the request")
        if settings.approve_new_billing_profiles:
            # Another identity behind the same profile: staff approve it again before it bills anything.
            profile.used_for_invoicing, profile.approval = False, Approval.PENDING
    record(session, "billing_profile.updated", actor_kind="customer", actor_id=profile.customer_id, obj=profile,
           customer_id=profile.customer_id, ip=ip, data={"before": before, "after": profile.snapshot()})
    session.flush()
    return profile


def delete_profile(session: Session, profile: BillingProfile, *, ip: str | None = None) -> None:
    """Delete a profile (kept for the invoices that reference it, hidden from the customer); the default passes
    to the oldest remaining profile."""
    profile.deleted_at = utcnow()
    drop_pending_for_profile(session, profile.id, "the customer deleted the profile")
    was_default, profile.is_default = profile.is_default, False
    session.flush()
    if was_default:
        remaining = live_profiles(session, profile.customer_id)
        if remaining:
            _set_default(session, remaining[0])
    record(session, "billing_profile.deleted", actor_kind="customer", actor_id=profile.customer_id, obj=profile,
           customer_id=profile.customer_id, ip=ip, data={"name": profile.display_name})
    session.flush()


def make_default(session: Session, profile: BillingProfile, *, ip: str | None = None) -> None:
    """Make a profile the default for the customer's new invoices."""
    _set_default(session, profile)
    record(session, "billing_profile.default", actor_kind="customer", actor_id=profile.customer_id, obj=profile,
           customer_id=profile.customer_id, ip=ip)
    session.flush()


def approve(profile: BillingProfile) -> None:
    """Staff approved the profile: it bills from now on, and later edits with it apply at once.

    Audited by the decision that approves it (billing_edit.approved names the profile)."""
    profile.approval = Approval.APPROVED


def reject(profile: BillingProfile) -> None:
    """Staff rejected the profile: it stays unusable unless it has already billed an invoice.

    Audited by the decision that rejects it (billing_edit.rejected)."""
    if not profile.used_for_invoicing:
        profile.approval = Approval.REJECTED
