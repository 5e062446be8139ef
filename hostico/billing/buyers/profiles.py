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
from hostico.models import BillingProfile
from hostico.models.billing_profile import Approval


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
    return (profile.deleted_at is None and not missing_buyer_fields(profile.snapshot())
            and not needs_approval(profile, settings))


def choose_profile(profiles: Iterable[BillingProfile], settings: BillingSettings) -> BillingProfile | None:
    """Return the profile to bill among a customer's: the default if usable, else the oldest usable one."""
    usable = sorted((p for p in profiles if is_usable(p, settings)), key=lambda p: (not p.is_default, p.id))
    return usable[0] if usable else None


def billing_profile_for(session: Session, customer_id: int, settings: BillingSettings) -> BillingProfile | None:
    """Return the customer's profile to bill (see choose_profile), or None when they have no complete data."""
    profiles = session.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer_id,
                                                            BillingProfile.deleted_at.is_(None)))
    return choose_profile(profiles, settings)


def profiles_by_customer(session: Session, customer_ids: Iterable[int],
                         settings: BillingSettings) -> dict[int, BillingProfile]:
    """Return {customer id: profile to bill} for the customers that have complete billing data (one query)."""
    found: dict[int, list[BillingProfile]] = {}
    for profile in session.scalars(select(BillingProfile).where(BillingProfile.customer_id.in_(list(customer_ids)),
                                                                BillingProfile.deleted_at.is_(None))):
        found.setdefault(profile.customer_id, []).append(profile)
    chosen = {customer_id: choose_profile(profiles, settings) for customer_id, profiles in found.items()}
    return {customer_id: profile for customer_id, profile in chosen.items() if profile is not None}
