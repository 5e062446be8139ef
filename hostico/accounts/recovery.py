"""Resetting a forgotten password, for customers and staff alike (docs/accounts.md, "Password reset").

`request_password_reset` answers nothing: the caller shows the same page whatever the address. A known,
active account gets an email with a single-use link valid `RESET_MINUTES` from when it is sent (the worker
makes it: hostico.notify.account_links); an account asks at most `MAX_REQUESTS` per hour, beyond which nothing
more is sent. `reset_password` sets the new password, ends every session of the account, revokes the customer's
mail-login links and every other reset link, proves the address (the link reached it), emails a "password
changed" notice and audits. A second factor stays as it was: the next login still asks for it.
Functions flush, never commit.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hostico.accounts import link_tokens, login_sessions
from hostico.accounts.credentials import check_new_password
from hostico.accounts.mail_links import revoke_customer_links
from hostico.accounts.passwords import hash_password
from hostico.audit import record as audit
from hostico.models import Customer, StaffUser, utcnow
from hostico.notify.events import notify, notify_staff

PURPOSE = "password_reset"
RESET_MINUTES = 60
MAX_REQUESTS = 5  # reset emails per account and REQUEST_WINDOW
REQUEST_WINDOW = dt.timedelta(hours=1)
KINDS = ("customer", "staff")
User = Customer | StaffUser


def find_account(s: Session, kind: str, email: str) -> User | None:
    """The account of this kind with this address (any case), or None; a disabled staff account is none."""
    address = (email or "").strip().lower()
    if kind == "staff":
        staff = s.scalar(select(StaffUser).where(func.lower(StaffUser.email) == address))
        return staff if staff is not None and staff.active else None
    if kind != "customer":
        raise ValueError(f"unknown account kind {kind!r}")
    return s.scalar(select(Customer).where(func.lower(Customer.email) == address))


def queue_link_email(s: Session, user: User, purpose: str, event: str, *, valid_minutes: int, ip: str | None,
                     context: dict[str, object], now: dt.datetime) -> None:
    """Record a link and queue the email that carries it (the one way an account email gets its link)."""
    link = link_tokens.create(s, purpose, user, valid_minutes=valid_minutes, ip=ip, now=now)
    key = f"{user.kind}:{user.id}:{link.id}"
    if isinstance(user, StaffUser):
        link.outbox_message_id = notify_staff(s, event, user, key=key, context=context, now=now).id
    else:
        link.outbox_message_id = notify(s, event, user, key=key, context=context, now=now)[0].id
    s.flush()


def request_password_reset(s: Session, kind: str, email: str, *, ip: str | None = None, language: str = "ro",
                           now: dt.datetime | None = None) -> None:
    """Email a reset link to the account of this kind and address, if there is one (the caller answers the same).

    A customer's email speaks their saved language; a staff user's, the language of the page that asked."""
    now = now or utcnow()
    user = find_account(s, kind, email)
    if user is None:
        audit(s, f"{kind}.password_reset_unknown", actor_kind="anonymous", ip=ip,
              data={"email": (email or "").strip().lower()[:254]}).at = now
        s.flush()
        return
    customer_id = user.id if isinstance(user, Customer) else None
    if link_tokens.count_recent(s, PURPOSE, user, since=now - REQUEST_WINDOW) >= MAX_REQUESTS:
        audit(s, f"{kind}.password_reset_throttled", actor_kind="anonymous", obj=user, customer_id=customer_id,
              ip=ip).at = now
        s.flush()
        return
    queue_link_email(s, user, PURPOSE, "password_reset", valid_minutes=RESET_MINUTES, ip=ip,
                     context={"minutes": RESET_MINUTES, "language": language}, now=now)
    audit(s, f"{kind}.password_reset_requested", actor_kind="anonymous", obj=user, customer_id=customer_id,
          ip=ip).at = now
    s.flush()


def check_reset_link(s: Session, kind: str, token: str | None, *, now: dt.datetime | None = None) -> User:
    """Return the account a live reset link opens; link_tokens.InvalidAccountLink otherwise."""
    record = link_tokens.find_live(s, token, purpose=PURPOSE, kind=kind, now=now)
    return link_tokens.owner(s, record)


def reset_password(s: Session, kind: str, token: str | None, new_password: str | None, *, ip: str | None = None,
                   language: str = "ro", now: dt.datetime | None = None) -> User:
    """Set a new password through a reset link and end everything the old one opened; return the account.

    Raises link_tokens.InvalidAccountLink (expired, used, forged, ...) or credentials.PasswordTooShort; nothing
    changes then.
    """
    now = now or utcnow()
    record = link_tokens.find_live(s, token, purpose=PURPOSE, kind=kind, now=now)
    check_new_password(new_password)
    user = link_tokens.owner(s, record)
    link_tokens.use(s, record, now=now)
    link_tokens.revoke(s, user, PURPOSE, reason="password_reset", now=now)
    user.password_hash = hash_password(new_password or "")
    customer_id = None
    if isinstance(user, Customer):
        customer_id = user.id
        user.password_changed_at = now
        if user.email_verified_at is None:
            user.email_verified_at = now  # the link reached the mailbox
        revoke_customer_links(s, user.id, reason="password_reset", actor_kind="anonymous")
    login_sessions.revoke_all(s, user, reason="password_reset", now=now)
    audit(s, f"{kind}.password_reset", actor_kind=kind, actor_id=user.id, obj=user, customer_id=customer_id,
          ip=ip).at = now
    if isinstance(user, StaffUser):
        notify_staff(s, "password_changed", user, key=f"staff:{user.id}:{record.id}", context={"language": language},
                     now=now)
    else:
        notify(s, "password_changed", user, key=f"reset:{record.id}", now=now)
    return user
