"""Write audit-log entries (used by every layer that changes data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from hostico.models import AuditLog, utcnow


def record(
    session: Session,
    action: str,
    *,
    actor_kind: str = "system",
    actor_id: int | None = None,
    obj: object | None = None,
    object_type: str | None = None,
    object_id: object | None = None,
    customer_id: int | None = None,
    ip: str | None = None,
    data: dict | None = None,
) -> AuditLog:
    """Add an audit entry to the session (committed with the change it describes)."""
    if obj is not None:
        object_type = object_type or type(obj).__name__
        object_id = object_id if object_id is not None else getattr(obj, "id", None)
    entry = AuditLog(**entry_values(action, actor_kind=actor_kind, actor_id=actor_id, object_type=object_type,
                                    object_id=object_id, customer_id=customer_id, ip=ip, data=data))
    session.add(entry)
    return entry


def entry_values(action: str, *, actor_kind: str = "system", actor_id: int | None = None,
                 object_type: str | None = None, object_id: object | None = None, customer_id: int | None = None,
                 ip: str | None = None, data: dict | None = None, at: dt.datetime | None = None) -> dict[str, Any]:
    """Return an audit entry as the plain values of its row (column -> value), for a caller that writes it with a
    Core statement in the same round trip as the change it describes (hostico.accounts.login_sessions.create)."""
    return dict(at=at or utcnow(), action=action, actor_kind=actor_kind, actor_id=actor_id, object_type=object_type,
                object_id=None if object_id is None else str(object_id), customer_id=customer_id, ip=ip, data=data)


def access_refused(session: Session, *, actor_kind: str, actor_id: int | None, endpoint: str | None, method: str,
                   path: str, ip: str | None = None) -> AuditLog:
    """Record a 403 refusal (`access.refused`): who asked for what (the path already redacted by the caller)."""
    return record(session, "access.refused", actor_kind=actor_kind, actor_id=actor_id, ip=ip,
                  customer_id=actor_id if actor_kind == "customer" else None,
                  data={"endpoint": (endpoint or "")[:80], "method": method[:10], "path": path[:200]})
