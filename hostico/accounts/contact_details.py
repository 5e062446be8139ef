"""A customer's own details that need no re-check: the name and the language of emails, SMS and PDFs.

(The email address changes through accounts/email_change.py, the phone through notify/preferences.py.)
Each function changes, audits and flushes; the request commits.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from hostico.audit import record as audit
from hostico.models import Customer


def change_name(session: Session, customer: Customer, name: str, *, ip: str | None = None) -> bool:
    """Save the customer's name; False when it is unchanged (nothing written)."""
    if name == customer.name:
        return False
    audit(session, "customer.contact_changed", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip, data={"before": {"name": customer.name}, "after": {"name": name}})
    customer.name = name
    session.flush()
    return True


def change_language(session: Session, customer: Customer, language: str, *, ip: str | None = None) -> bool:
    """Save the language of the customer's emails, SMS and PDFs; False when it is unchanged."""
    before = customer.language
    if language == before:
        return False
    customer.language = language
    audit(session, "customer.language_changed", actor_kind="customer", actor_id=customer.id, obj=customer,
          customer_id=customer.id, ip=ip, data={"before": before, "after": language})
    session.flush()
    return True
