"""Which billing profile bills a customer: the default one if usable, else the oldest usable one.

A profile is usable when it is not deleted, its data is complete (buyers.completeness), and it does not
wait for staff approval (HOSTICO_APPROVE_NEW_BILLING_PROFILES; see needs_approval).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.billing.buyers.completeness import missing_buyer_fields
from hostico.billing.settings import BillingSettings
from hostico.db import among
from hostico.models import BillingProfile
from hostico.models.billing_profile import Approval, BuyerSnapshot


def needs_approval(profile: BillingProfile | None, settings: BillingSettings) -> bool:
    """True when the operator requires staff approval and this profile has never been used or approved."""
    return (
        settings.approve_new_billing_profiles
        and profile is not None
        and not profile.used_for_invoicing
        and profile.approval != Approval.APPROVED
    )


def is_usable(profile: BillingProfile, settings: BillingSettings) -> bool:
    """True when a profile may bill now: not deleted, complete, and not waiting for staff approval."""
    return profile.deleted_at is None and _may_bill(profile, profile.snapshot(), settings)


def _may_bill(profile: BillingProfile, buyer: BuyerSnapshot, settings: BillingSettings) -> bool:
    """is_usable for a profile not deleted, given its snapshot."""
    return not missing_buyer_fields(buyer) and not needs_approval(profile, settings)


def choose_profile(profiles: Iterable[BillingProfile], settings: BillingSettings) -> BillingProfile | None:
    """Return the profile to bill among a customer's: the default if usable, else the oldest usable one."""
    chosen = _choose(profiles, settings)
    return chosen[0] if chosen else None


def _choose(profiles: Iterable[BillingProfile],
            settings: BillingSettings) -> tuple[BillingProfile, BuyerSnapshot] | None:
    """choose_profile, with the chosen profile's buyer snapshot (taken once a profile, to check it)."""
    candidates = [(p, p.snapshot()) for p in profiles if p.deleted_at is None]
    usable = sorted((c for c in candidates if _may_bill(*c, settings)), key=lambda c: (not c[0].is_default, c[0].id))
    return usable[0] if usable else None


def billing_profile_for(session: Session, customer_id: int, settings: BillingSettings) -> BillingProfile | None:
    """Return the customer's profile to bill (see choose_profile), or None when they have no complete data."""
    profiles = session.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer_id,
                                                            BillingProfile.deleted_at.is_(None)))
    return choose_profile(profiles, settings)


def buyers_by_customer(session: Session, customer_ids: Iterable[int],
                       settings: BillingSettings) -> dict[int, tuple[BillingProfile, BuyerSnapshot]]:
    """Return {customer id: (profile to bill, its buyer snapshot)} for the customers that have complete billing
    data (one query; each profile's snapshot is taken once, and the billing run puts it on the proformas)."""
    found: dict[int, list[BillingProfile]] = {}
    stmt = select(BillingProfile).where(among(session, BillingProfile.customer_id, customer_ids),
                                        BillingProfile.deleted_at.is_(None))
    for profile in session.scalars(stmt):
        found.setdefault(profile.customer_id, []).append(profile)
    chosen = {customer_id: _choose(profiles, settings) for customer_id, profiles in found.items()}
    return {customer_id: pair for customer_id, pair in chosen.items() if pair is not None}
