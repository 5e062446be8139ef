"""Revoke a customer's mail-login links (password change, 2FA enabled, staff action) and end the sessions they opened.

An account operation (it lives with the other credential changes): hostico.maillogin mints and checks the links.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from hostico.accounts.login_sessions import revoke_opened_by_links
from hostico.audit import entry_values, record
from hostico.models import AuditLog, MailLoginToken, utcnow


def revoke_customer_links(session: Session, customer_id: int, *, reason: str, actor_kind: str = "system",
                          actor_id: int | None = None) -> int:
    """Revoke every live mail-login link of a customer and end the sessions they opened; return how many links."""
    now = utcnow()
    links = session.execute(select(MailLoginToken.id, MailLoginToken.revoked_at)
                            .where(MailLoginToken.customer_id == customer_id)).all()
    link_ids = [link_id for link_id, revoked_at in links if revoked_at is None]
    if link_ids:
        session.execute(
            update(MailLoginToken)
            .where(MailLoginToken.id.in_(link_ids), MailLoginToken.revoked_at.is_(None))
            .values(revoked_at=now, revoked_reason=reason[:40])
            .execution_options(synchronize_session=False)
        )
    # docs/security.md item 6: a session opened by a revoked link ends with it (also links revoked earlier: a session
    # a link opened never outlives the link's revocation).
    ended = revoke_opened_by_links(session, [link_id for link_id, _ in links], reason="link_" + reason[:35], now=now)
    record(session, "maillogin.revoked", actor_kind=actor_kind, actor_id=actor_id, object_type="Customer",
           object_id=customer_id, customer_id=customer_id,
           data={"reason": reason, "count": len(link_ids), "sessions_ended": ended})
    return len(link_ids)


def link_event(action: str, link: MailLoginToken | None, *, actor_kind: str, actor_id: int | None,
               ip: str | None = None, **data: object) -> dict[str, Any]:
    """Return the audit entry (hostico.audit.entry_values) of what happened to a followed mail-login link (used,
    refused, ...): only its jti, never the token, which would log in whoever reads the log."""
    if link is not None:
        data["jti"] = link.jti
    return entry_values(action, actor_kind=actor_kind, actor_id=actor_id, object_type="MailLoginToken",
                        object_id=link.id if link else None, customer_id=link.customer_id if link else None, ip=ip,
                        data=data)


def record_link_event(session: Session, action: str, link: MailLoginToken | None, *, actor_kind: str,
                      actor_id: int | None, ip: str | None = None, **data: object) -> None:
    """Audit what happened to a followed mail-login link (see link_event)."""
    session.add(AuditLog(**link_event(action, link, actor_kind=actor_kind, actor_id=actor_id, ip=ip, **data)))
    session.flush()
