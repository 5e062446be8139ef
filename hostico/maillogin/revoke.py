"""Revoke mail-login links (password change, 2FA enabled, staff action)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import Session

from hostico.audit import record
from hostico.models import MailLoginToken, utcnow


def revoke_customer_links(session: Session, customer_id: int, *, reason: str, actor_kind: str = "system",
                          actor_id: int | None = None) -> int:
    """Revoke every live mail-login link of a customer; return how many were revoked."""
    result = session.execute(
        update(MailLoginToken)
        .where(MailLoginToken.customer_id == customer_id, MailLoginToken.revoked_at.is_(None))
        .values(revoked_at=utcnow(), revoked_reason=reason[:40])
    )
    record(session, "maillogin.revoked", actor_kind=actor_kind, actor_id=actor_id, object_type="Customer",
           object_id=customer_id, customer_id=customer_id, data={"reason": reason, "count": result.rowcount})
    return result.rowcount
