"""Warn the admins before ANAF's refresh token expires (365 days after it was obtained): without it every
upload fails until an admin connects again with the company's certificate.

Run with every e-Factura sync (the worker's periodic job and `efactura sync`): once the token is within 30,
then 7 days of its expiry, each active admin gets one email per threshold through the outbox; the dedupe key
(the token's obtaining time, the threshold, the admin) makes a second run queue nothing.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.efactura.oauth import token_lifetime
from hostico.logs import current_request_id
from hostico.models import AnafToken, OutboxMessage, StaffUser
from hostico.models.outbox import Channel, OutboxStatus

EVENT = "anaf_token_expiry"


def warn_admins(session: Session, now: dt.datetime) -> int:
    """Queue the expiry email for each active admin once per threshold; flush; return how many were queued."""
    row = session.scalar(select(AnafToken).order_by(AnafToken.id).limit(1))
    life = token_lifetime(row, now)
    if life is None or life.warning is None:
        return 0
    stamp = life.obtained_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S")
    admins = session.scalars(select(StaffUser).where(StaffUser.role == "admin", StaffUser.active.is_(True))
                             .order_by(StaffUser.id)).all()
    keys = {admin.id: f"{EVENT}:{stamp}:{life.warning}:{admin.id}:email" for admin in admins}
    queued_before = set(session.scalars(select(OutboxMessage.dedupe_key).where(
        OutboxMessage.dedupe_key.in_(list(keys.values())))))
    queued = 0
    for admin in admins:
        if keys[admin.id] in queued_before:
            continue
        session.add(OutboxMessage(
            channel=Channel.EMAIL, event=EVENT, dedupe_key=keys[admin.id], customer_id=None, recipient=admin.email,
            template=EVENT, status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, created_at=now,
            request_id=current_request_id(),
            context={"days_left": life.days_left, "expires_on": life.expires_at.date().isoformat(),
                     "obtained_on": life.obtained_at.date().isoformat(), "threshold": life.warning}))
        queued += 1
    session.flush()
    return queued
