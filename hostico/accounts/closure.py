"""A customer closes their account; staff may undo it for 30 days (docs/accounts.md). Flask-free.

Closing asks the password (the one step-up: audited, throttled), cancels the unpaid orders (billing.orders),
keeps every invoice (the law keeps them 10 years; each holds its own copy of the buyer's data), anonymises
what may go — the name, email address, mobile number, SMS consent, and the billing profiles' personal data —
revokes mail-login links and ends every session. What was blanked is kept in the closure's snapshot until
UNDO_DAYS have passed, so staff can put it back; `purge_expired` then erases the snapshot for good.
Functions flush, never commit.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from hostico.accounts import login_sessions, stepup
from hostico.accounts.mail_links import revoke_customer_links
from hostico.accounts.settings import AccountSettings
from hostico.audit import record as audit
from hostico.billing.orders import cancel_open_orders
from hostico.errors import N_, TranslatableError
from hostico.models import AccountClosure, BillingProfile, Customer, OutboxMessage, UserSession, utcnow
from hostico.models.outbox import OutboxStatus

UNDO_DAYS = 30
CLOSED_NAME = "Closed account"
# Billing-profile fields with personal data: blanked on closure (the required ones to "").
PROFILE_FIELDS = ("label", "name", "cnp", "company_name", "cui", "reg_com", "vat_number", "address", "city",
                  "county", "postal_code")
_REQUIRED = ("address", "city")


class ClosureError(TranslatableError):
    """Closing or reopening an account was refused; nothing was changed."""


class AlreadyClosed(ClosureError):
    code = "accounts.already_closed"
    template = N_("This account is already closed.")


class CannotReopen(ClosureError):
    code = "accounts.cannot_reopen"
    template = N_("This closure can no longer be undone.")


class AddressNowTaken(ClosureError):
    code = "accounts.reopen_address_taken"
    template = N_("The account's email address now belongs to another account: it cannot be reopened.")


def closed_email(customer_id: int) -> str:
    """The placeholder address of a closed account (unique, never deliverable: .invalid)."""
    return f"closed-{customer_id}@closed.invalid"


def _snapshot(customer: Customer, profiles: list[BillingProfile]) -> dict[str, Any]:
    return {
        "customer": {"email": customer.email, "name": customer.name, "phone_e164": customer.phone_e164,
                     "sms_opt_in": customer.sms_opt_in,
                     "sms_consent_at": customer.sms_consent_at.isoformat() if customer.sms_consent_at else None},
        "profiles": [{"id": p.id, "deleted_at": p.deleted_at.isoformat() if p.deleted_at else None,
                      **{f: getattr(p, f) for f in PROFILE_FIELDS}} for p in profiles],
    }


def close_account(s: Session, customer: Customer, password: str | None, *, settings: AccountSettings,
                  ip: str | None = None, session_record: UserSession | None = None,
                  now: dt.datetime | None = None) -> AccountClosure:
    """Close the customer's account once the password is right (stepup: WrongPassword, TooManyAttempts)."""
    now = now or utcnow()
    if customer.closed_at is not None:
        raise AlreadyClosed()
    stepup.step_up(s, customer, password, settings=settings, purpose="close_account", ip=ip,
                   session_record=session_record, now=now)
    profiles = list(s.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer.id)
                              .order_by(BillingProfile.id)))
    closure = AccountClosure(customer_id=customer.id, closed_at=now, undo_until=now + dt.timedelta(days=UNDO_DAYS),
                             snapshot=_snapshot(customer, profiles))
    closure.cancelled_orders = cancel_open_orders(s, customer.id, now=now)
    for profile in profiles:
        for field in PROFILE_FIELDS:
            setattr(profile, field, "" if field in _REQUIRED else None)
        profile.is_default = False
        profile.deleted_at = profile.deleted_at or now
    customer.name, customer.email = CLOSED_NAME, closed_email(customer.id)
    customer.phone_e164, customer.sms_opt_in, customer.sms_consent_at = None, False, None
    customer.closed_at = now
    s.add(closure)
    s.execute(update(OutboxMessage).where(OutboxMessage.customer_id == customer.id,
                                          OutboxMessage.status == OutboxStatus.PENDING)
              .values(status=OutboxStatus.CANCELLED, last_error="account closed"))
    s.flush()
    revoke_customer_links(s, customer.id, reason="account_closed", actor_kind="customer", actor_id=customer.id)
    login_sessions.revoke_all(s, customer, reason="account_closed", now=now)
    audit(s, "customer.account_closed", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip, data={"closure": closure.id, "cancelled_orders": closure.cancelled_orders})
    s.flush()
    return closure


def open_closure(s: Session, customer: Customer) -> AccountClosure | None:
    """The customer's latest closure that is still in force (not undone), or None."""
    return s.scalar(select(AccountClosure).where(AccountClosure.customer_id == customer.id,
                                                 AccountClosure.undone_at.is_(None))
                    .order_by(AccountClosure.id.desc()).limit(1))


def can_reopen(closure: AccountClosure | None, now: dt.datetime | None = None) -> bool:
    """Whether staff may still undo this closure."""
    return (closure is not None and closure.snapshot is not None and closure.undone_at is None
            and (now or utcnow()) < closure.undo_until)


def reopen_account(s: Session, customer: Customer, *, staff_id: int, ip: str | None = None,
                   now: dt.datetime | None = None) -> AccountClosure:
    """Undo a closure within UNDO_DAYS: put the account's and profiles' data back (staff; audited). The
    cancelled orders stay cancelled and the customer logs in again with the same password."""
    now = now or utcnow()
    closure = open_closure(s, customer)
    if customer.closed_at is None or closure is None or not can_reopen(closure, now):
        raise CannotReopen()
    data = closure.snapshot or {}
    saved = data["customer"]
    if s.scalar(select(Customer.id).where(func.lower(Customer.email) == saved["email"].lower(),
                                          Customer.id != customer.id)) is not None:
        raise AddressNowTaken()
    customer.email, customer.name, customer.phone_e164 = saved["email"], saved["name"], saved["phone_e164"]
    customer.sms_opt_in = bool(saved["sms_opt_in"])
    customer.sms_consent_at = dt.datetime.fromisoformat(saved["sms_consent_at"]) if saved["sms_consent_at"] else None
    for item in data.get("profiles", []):
        profile = s.get(BillingProfile, item["id"])
        if profile is None or profile.customer_id != customer.id:
            continue
        for field in PROFILE_FIELDS:
            setattr(profile, field, item.get(field))
        profile.deleted_at = dt.datetime.fromisoformat(item["deleted_at"]) if item["deleted_at"] else None
    customer.closed_at = None
    closure.undone_at, closure.undone_by_staff_id, closure.snapshot = now, staff_id, None
    audit(s, "customer.account_reopened", actor_kind="staff", actor_id=staff_id, obj=customer,
          customer_id=customer.id, ip=ip, data={"closure": closure.id})
    s.flush()
    return closure


def purge_expired(s: Session, *, now: dt.datetime | None = None) -> int:
    """Erase the snapshots of closures whose UNDO_DAYS have passed (they can no longer be undone); return how many."""
    now = now or utcnow()
    closures = list(s.scalars(select(AccountClosure).where(AccountClosure.undone_at.is_(None),
                                                           AccountClosure.purged_at.is_(None),
                                                           AccountClosure.undo_until <= now)))
    for closure in closures:
        closure.snapshot, closure.purged_at = None, now
        audit(s, "customer.closure_purged", obj=closure, customer_id=closure.customer_id)
    s.flush()
    return len(closures)


class ClosurePurger:
    """The worker's periodic job: erase expired closure snapshots, at most once an hour."""

    EVERY = 3600.0

    def __init__(self, session_factory: Callable[[], Session], clock: Callable[[], float] = time.monotonic) -> None:
        self.session_factory, self.clock = session_factory, clock
        self.next_at: float | None = None

    def due(self) -> int | None:
        """Purge if due; return how many snapshots were erased, or None when it was not due."""
        if self.next_at is not None and self.clock() < self.next_at:
            return None
        self.next_at = self.clock() + self.EVERY
        session = self.session_factory()
        try:
            count = purge_expired(session)
            session.commit()
            return count
        finally:
            session.close()
