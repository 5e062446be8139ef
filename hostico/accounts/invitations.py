"""Accounts staff open for customers, who set their password from an invitation (docs/accounts.md, "Invitations").

`invite_customer` opens an account without a password (`UNUSABLE_PASSWORD`: no login is possible) and emails an
invitation whose link works once within `INVITE_HOURS`; staff may send a new one from the customer page
(`resend_invitation`: the earlier links stop working) until the customer accepted. Staff may give the billing
data too: it becomes the account's default billing profile, approved, in the same flush as the account. `accept`
sets the password, proves the address and burns the link. Everything is audited. Functions flush, never commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy.orm import Session

from hostico.accounts import link_tokens
from hostico.accounts.credentials import check_new_password
from hostico.accounts.passwords import UNUSABLE_PASSWORD, hash_password
from hostico.accounts.recovery import find_account, queue_link_email
from hostico.audit import record as audit
from hostico.billing.buyers.lifecycle import create_profile
from hostico.billing.settings import BillingSettings
from hostico.errors import N_, TranslatableError
from hostico.locales import supported
from hostico.models import Customer, StaffUser, utcnow

PURPOSE = "invitation"
INVITE_HOURS = 72


class InvitationError(TranslatableError):
    """An invitation was refused; nothing was changed."""


class AddressTaken(InvitationError):
    code = "accounts.invitation_address_taken"
    template = N_("A customer with this email address exists already.")


class NameRequired(InvitationError):
    code = "accounts.invitation_name"
    template = N_("Enter the customer's name.")


class AlreadyAccepted(InvitationError):
    code = "accounts.invitation_accepted"
    template = N_("This customer has set a password already: there is no invitation to send.")


def is_invited(customer: Customer) -> bool:
    """An account opened by staff whose invitation was not accepted yet (it has no password)."""
    return customer.password_hash == UNUSABLE_PASSWORD


def _send(s: Session, staff: StaffUser, customer: Customer, *, ip: str | None, now: dt.datetime) -> None:
    queue_link_email(s, customer, PURPOSE, "invitation", valid_minutes=INVITE_HOURS * 60, ip=ip,
                     context={"hours": INVITE_HOURS}, now=now)


def invite_customer(s: Session, staff: StaffUser, *, name: str, email: str, language: str, ip: str | None = None,
                    buyer: Mapping[str, object] | None = None, billing: BillingSettings | None = None,
                    now: dt.datetime | None = None) -> Customer:
    """Open a customer's account (no password yet) and email the invitation. Raises AddressTaken, NameRequired.

    `buyer` is billing data already validated (hostico.billing.buyers.validation, with VIES's answer when
    asked): it becomes the customer's default billing profile, approved (their first data), and the
    `customer.invited` record names it."""
    now = now or utcnow()
    name = " ".join((name or "").split())
    if not name:
        raise NameRequired()
    address = (email or "").strip().lower()
    if find_account(s, "customer", address) is not None:
        raise AddressTaken()
    customer = Customer(email=address, name=name[:200], password_hash=UNUSABLE_PASSWORD, language=supported(language),
                        email_verified_at=None, created_at=now)
    s.add(customer)
    s.flush()
    customer.email_verified_at = None  # the column's default (verified) filled it at the insert
    data: dict[str, object] = {"email": address}
    if buyer is not None:
        if billing is None:
            raise ValueError("billing settings are needed to save billing data")
        profile = create_profile(s, customer.id, buyer, billing, default="always", ip=ip, via="staff",
                                 staff_id=staff.id)
        data["billing_profile"] = {"id": profile.id, "kind": profile.kind, "name": profile.display_name}
    audit(s, "customer.invited", actor_kind="staff", actor_id=staff.id, obj=customer, customer_id=customer.id, ip=ip,
          data=data).at = now
    _send(s, staff, customer, ip=ip, now=now)
    return customer


def resend_invitation(s: Session, staff: StaffUser, customer: Customer, *, ip: str | None = None,
                      now: dt.datetime | None = None) -> None:
    """Email a new invitation (the earlier links stop working). Raises AlreadyAccepted."""
    now = now or utcnow()
    if not is_invited(customer):
        raise AlreadyAccepted()
    revoked = link_tokens.revoke(s, customer, PURPOSE, reason="resent", now=now)
    audit(s, "customer.invitation_resent", actor_kind="staff", actor_id=staff.id, obj=customer,
          customer_id=customer.id, ip=ip, data={"revoked": revoked}).at = now
    _send(s, staff, customer, ip=ip, now=now)


def check_link(s: Session, token: str | None, *, now: dt.datetime | None = None) -> Customer:
    """Return the account a live invitation link opens; link_tokens.InvalidAccountLink otherwise."""
    customer = link_tokens.owner(s, link_tokens.find_live(s, token, purpose=PURPOSE, kind="customer", now=now))
    assert isinstance(customer, Customer)
    return customer


def accept(s: Session, token: str | None, password: str | None, *, ip: str | None = None,
           now: dt.datetime | None = None) -> Customer:
    """Set the password through the invitation link (single use); return the account.

    Raises link_tokens.InvalidAccountLink or credentials.PasswordTooShort; nothing changes then."""
    now = now or utcnow()
    link = link_tokens.find_live(s, token, purpose=PURPOSE, kind="customer", now=now)
    check_new_password(password)
    customer = link_tokens.owner(s, link)
    assert isinstance(customer, Customer)
    link_tokens.use(s, link, now=now)
    link_tokens.revoke(s, customer, PURPOSE, reason="accepted", now=now)
    customer.password_hash = hash_password(password or "")
    customer.password_changed_at = now
    if customer.email_verified_at is None:
        customer.email_verified_at = now
    audit(s, "customer.invitation_accepted", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip).at = now
    s.flush()
    return customer
