"""Changing a customer's email address by confirmation from the new mailbox (Flask-free).

The form never says whether an address belongs to another account (docs/accounts.md): every request
gets the same answer, and the new address receives either a confirmation link (free) or a note that
it already belongs to an account (taken). Requests are throttled per customer and audited. Confirming
changes the address, revokes every mail-login link, ends every session of the customer (the caller
starts a new one for the current browser) and tells the old address. Functions flush, never commit.

The confirmation token is signed and bound to the customer, the old and the new address: it works only
in the customer's own logged-in session, and once (the old address no longer matches afterwards).
"""

from __future__ import annotations

import datetime as dt
import secrets

from itsdangerous import BadData, URLSafeTimedSerializer
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hostico.accounts import login_sessions
from hostico.accounts.mail_links import revoke_customer_links
from hostico.audit import record as audit
from hostico.errors import N_, TranslatableError
from hostico.models import AuditLog, Customer, utcnow
from hostico.notify.events import notify

CONFIRM_HOURS = 24
MAX_REQUESTS = 5  # per customer and REQUEST_WINDOW
REQUEST_WINDOW = dt.timedelta(hours=1)
_SALT = "hostico.accounts.email-change"


class EmailChangeError(TranslatableError):
    """An email change was refused; nothing was changed."""


class TooManyRequests(EmailChangeError):
    code = "accounts.email_change_throttled"
    template = N_("You asked to change your email address too many times. Try again in an hour.")


class InvalidConfirmation(EmailChangeError):
    code = "accounts.email_change_invalid"
    template = N_("This confirmation link is no longer valid. Ask for the change again in My Details.")


class ForeignConfirmation(InvalidConfirmation):
    """A genuine link, but of another customer (the web layer answers 404, as for any foreign object)."""


class AddressTaken(EmailChangeError):
    code = "accounts.email_change_taken"
    template = N_("This email address can no longer be used. Ask for the change again with another address.")


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=_SALT)


def _taken(s: Session, customer: Customer, email: str) -> bool:
    return s.scalar(select(Customer.id).where(func.lower(Customer.email) == email.lower(),
                                              Customer.id != customer.id)) is not None


def request_email_change(s: Session, customer: Customer, new_email: str, *, secret_key: str, ip: str | None = None,
                         now: dt.datetime | None = None) -> None:
    """Queue the confirmation (or, for an address of another account, a note) to new_email.

    The caller answers the same in both cases. Raises TooManyRequests beyond MAX_REQUESTS an hour.
    """
    now = now or utcnow()
    new_email = new_email.strip().lower()
    recent = s.scalar(select(func.count(AuditLog.id)).where(
        AuditLog.action == "customer.email_change_requested", AuditLog.customer_id == customer.id,
        AuditLog.at > now - REQUEST_WINDOW)) or 0
    if recent >= MAX_REQUESTS:
        raise TooManyRequests()
    taken = _taken(s, customer, new_email)
    audit(s, "customer.email_change_requested", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip, data={"to": new_email, "taken": taken}).at = now
    key = f"{customer.id}:{secrets.token_hex(8)}"
    if taken:
        notify(s, "email_change_taken", customer, key=key, recipient=new_email, context={"address": new_email},
               now=now)
        return
    token = _serializer(secret_key).dumps({"c": customer.id, "old": customer.email.lower(), "new": new_email})
    notify(s, "email_change_confirm", customer, key=key, recipient=new_email,
           context={"address": new_email, "token": token, "hours": CONFIRM_HOURS}, now=now)


def read_confirmation(customer: Customer, token: str, *, secret_key: str) -> str:
    """Return the new address a confirmation token asks for; InvalidConfirmation if it is not valid for customer."""
    try:
        data = _serializer(secret_key).loads(token, max_age=CONFIRM_HOURS * 3600)
    except BadData:
        raise InvalidConfirmation() from None
    if not isinstance(data, dict) or not data.get("new"):
        raise InvalidConfirmation()
    if data.get("c") != customer.id:
        raise ForeignConfirmation()
    if str(data.get("old", "")) != customer.email.lower():
        raise InvalidConfirmation()  # used already, or the address changed since
    return str(data["new"])


def confirm_email_change(s: Session, customer: Customer, token: str, *, secret_key: str, ip: str | None = None,
                         now: dt.datetime | None = None) -> str:
    """Change the address as the token asks; revoke mail links and end every session. Return the new address."""
    now = now or utcnow()
    new_email = read_confirmation(customer, token, secret_key=secret_key)
    if _taken(s, customer, new_email):
        raise AddressTaken()
    old_email = customer.email
    customer.email = new_email
    s.flush()
    revoke_customer_links(s, customer.id, reason="email_changed", actor_kind="customer", actor_id=customer.id)
    login_sessions.revoke_all(s, customer, reason="email_changed", now=now)
    audit(s, "customer.email_changed", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip, data={"before": old_email, "after": new_email}).at = now
    notify(s, "email_changed", customer, key=f"{customer.id}:{secrets.token_hex(8)}", recipient=old_email,
           context={"address": new_email, "old_address": old_email}, now=now)
    return new_email
