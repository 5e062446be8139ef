"""Opening an account at /signup (docs/accounts.md, "Sign-up").

`sign_up` never tells whether the address is taken: a free address gets a new, unverified account and a
confirmation link (valid `CONFIRM_HOURS`), a taken one a note to its owner ("someone tried to sign up with your
address"), and an address whose account is still unconfirmed a new link; the caller shows the same page in every
case. An unverified account may log in only to see "confirm your email" and ask for a new link (`resend`). Opening
the link (`confirm`) proves the address. A visitor's order waits in the link's record (`payload`) and is
returned by `confirm`, to be placed then. Every request is throttled per account and audited. Functions flush,
never commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hostico.accounts import link_tokens
from hostico.accounts.credentials import check_new_password
from hostico.accounts.passwords import UNUSABLE_PASSWORD, hash_password
from hostico.accounts.recovery import find_account, queue_link_email
from hostico.audit import record as audit
from hostico.errors import N_, TranslatableError
from hostico.locales import supported
from hostico.models import AccountToken, AuditLog, Customer, utcnow
from hostico.notify.events import notify

PURPOSE = "signup"
CONFIRM_HOURS = 24
MAX_EMAILS = 5  # confirmation links or notes per account and EMAIL_WINDOW
EMAIL_WINDOW = dt.timedelta(hours=1)


class SignupError(TranslatableError):
    """A sign-up was refused; nothing was changed."""


class NameRequired(SignupError):
    code = "accounts.signup_name"
    template = N_("Enter your name.")


class AlreadyConfirmed(SignupError):
    code = "accounts.signup_confirmed"
    template = N_("Your email address is confirmed already: log in.")


@dataclass(frozen=True)
class Confirmed:
    """A confirmed sign-up: the account, and the order that waited for it (None without one)."""

    customer: Customer
    order: dict[str, object] | None


def is_unverified(customer: Customer) -> bool:
    """An account whose address is not proven yet: it may not log in (docs/accounts.md)."""
    return customer.email_verified_at is None


def _throttled(s: Session, customer: Customer, now: dt.datetime) -> bool:
    recent = link_tokens.count_recent(s, PURPOSE, customer, since=now - EMAIL_WINDOW)
    return recent >= MAX_EMAILS


def _send_link(s: Session, customer: Customer, *, ip: str | None, payload: dict[str, object] | None,
               now: dt.datetime) -> bool:
    if _throttled(s, customer, now):
        audit(s, "customer.signup_throttled", actor_kind="anonymous", obj=customer, customer_id=customer.id,
              ip=ip).at = now
        return False
    queue_link_email(s, customer, PURPOSE, "signup_confirm", valid_minutes=CONFIRM_HOURS * 60, ip=ip,
                     context={"hours": CONFIRM_HOURS}, now=now)
    link = s.scalar(select(AccountToken).where(AccountToken.purpose == PURPOSE,
                                               AccountToken.customer_id == customer.id)
                    .order_by(AccountToken.id.desc()).limit(1))
    if link is not None and payload is not None:
        link.payload = payload
    return True


def _note_taken(s: Session, customer: Customer, *, ip: str | None, now: dt.datetime) -> None:
    """Tell the owner of a taken address that someone tried to sign up with it (at most MAX_EMAILS an hour)."""
    notes = s.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action == "customer.signup_taken_notified", AuditLog.customer_id == customer.id,
        AuditLog.at > now - EMAIL_WINDOW)) or 0
    if notes >= MAX_EMAILS:
        audit(s, "customer.signup_throttled", actor_kind="anonymous", obj=customer, customer_id=customer.id,
              ip=ip).at = now
        return
    notify(s, "signup_taken", customer, key=f"{customer.id}:{notes}:{now.timestamp()}", now=now)
    audit(s, "customer.signup_taken_notified", actor_kind="anonymous", obj=customer, customer_id=customer.id,
          ip=ip).at = now


def sign_up(s: Session, *, name: str, email: str, password: str, language: str, ip: str | None = None,
            order: dict[str, object] | None = None, now: dt.datetime | None = None) -> Customer | None:
    """Open an unverified account and email its confirmation link; return it (None when the address was taken:
    its owner is told instead). `order` waits for the confirmation. Raises PasswordTooShort or NameRequired."""
    now = now or utcnow()
    name = " ".join((name or "").split())
    if not name:
        raise NameRequired()
    check_new_password(password)
    address = (email or "").strip().lower()
    existing = find_account(s, "customer", address)
    if existing is not None:
        assert isinstance(existing, Customer)
        if is_unverified(existing) and existing.password_hash != UNUSABLE_PASSWORD:
            # Not confirmed yet: a new link (the password typed now is not taken: the mailbox decides).
            _send_link(s, existing, ip=ip, payload=order, now=now)
        else:
            _note_taken(s, existing, ip=ip, now=now)
        s.flush()
        return None
    customer = Customer(email=address, name=name[:200], password_hash=hash_password(password),
                        language=supported(language), email_verified_at=None, created_at=now)
    s.add(customer)
    s.flush()
    customer.email_verified_at = None  # the column's default (verified) filled it at the insert
    audit(s, "customer.signed_up", actor_kind="anonymous", obj=customer, customer_id=customer.id, ip=ip,
          data={"with_order": order is not None}).at = now
    _send_link(s, customer, ip=ip, payload=order, now=now)
    s.flush()
    return customer


def resend(s: Session, customer: Customer, *, ip: str | None = None, now: dt.datetime | None = None) -> bool:
    """Email an unverified account a new confirmation link (the order waiting in the last one goes along);
    False when throttled. Raises AlreadyConfirmed."""
    now = now or utcnow()
    if not is_unverified(customer):
        raise AlreadyConfirmed()
    last = s.scalar(select(AccountToken).where(AccountToken.purpose == PURPOSE,
                                               AccountToken.customer_id == customer.id,
                                               AccountToken.payload.is_not(None))
                    .order_by(AccountToken.id.desc()).limit(1))
    sent = _send_link(s, customer, ip=ip, payload=last.payload if last is not None else None, now=now)
    audit(s, "customer.signup_link_resent", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip, data={"sent": sent}).at = now
    s.flush()
    return sent


def confirm(s: Session, token: str | None, *, ip: str | None = None, now: dt.datetime | None = None) -> Confirmed:
    """Prove the address with a sign-up link (single use); return the account and the order that waited.

    Raises link_tokens.InvalidAccountLink (expired, used, forged, another purpose)."""
    now = now or utcnow()
    link = link_tokens.find_live(s, token, purpose=PURPOSE, kind="customer", now=now)
    customer = link_tokens.owner(s, link)
    assert isinstance(customer, Customer)
    link_tokens.use(s, link, now=now)
    link_tokens.revoke(s, customer, PURPOSE, reason="confirmed", now=now)
    if customer.email_verified_at is None:
        customer.email_verified_at = now
    audit(s, "customer.email_verified", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip, data={"via": PURPOSE}).at = now
    s.flush()
    return Confirmed(customer, dict(link.payload) if link.payload else None)



def check_link(s: Session, token: str | None, *, now: dt.datetime | None = None) -> Customer:
    """Return the account a live sign-up link confirms; link_tokens.InvalidAccountLink otherwise."""
    customer = link_tokens.owner(s, link_tokens.find_live(s, token, purpose=PURPOSE, kind="customer", now=now))
    assert isinstance(customer, Customer)
    return customer


def waiting_order(s: Session, token: str | None, *, now: dt.datetime | None = None) -> dict[str, object] | None:
    """Return the order a live sign-up link places once confirmed (None without one); InvalidAccountLink otherwise."""
    link = link_tokens.find_live(s, token, purpose=PURPOSE, kind="customer", now=now)
    return dict(link.payload) if link.payload else None
