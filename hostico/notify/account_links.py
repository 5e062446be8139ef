"""The link in an account email (password reset, sign-up confirmation, invitation), made when it is sent.

Like the mail-login link (notify.links), the stored email holds only `ACCOUNT_LINK_PLACEHOLDER`, so
`/staff/outbox` and backups never show a usable link. The accounts domain records the link (an
`AccountToken`, tied to the outbox row) when it queues the email; the worker calls `link_for_message` at
each attempt to send it: a new random token whose SHA-256 replaces the record's (only the link of the email
last handed to the SMTP server works), valid `valid_minutes` from then (docs/accounts.md).
Every link is `/a/<token>`: one path for logs to redact (hostico.maillogin.redact).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.models import AccountToken, OutboxMessage

ACCOUNT_LINK_PLACEHOLDER = "[[account-link]]"
LINK_PATH = "/a/"
TOKEN_BYTES = 32


def hash_token(token: str) -> str:
    """Return the stored form of an account link's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def link_for_message(session: Session, msg: OutboxMessage, *, base_url: str, now: dt.datetime) -> str:
    """Make a new token for the link of an account email being sent; return its absolute URL.

    An email without a recorded link (it cannot happen: the domain records it with the email) gets the
    login page instead, never a link that works for someone else.
    """
    record = session.scalar(select(AccountToken).where(AccountToken.outbox_message_id == msg.id))
    base = base_url.rstrip("/")
    if record is None:
        return f"{base}/login"
    token = secrets.token_urlsafe(TOKEN_BYTES)
    record.token_hash = hash_token(token)
    record.minted_at = now
    record.expires_at = now + dt.timedelta(minutes=record.valid_minutes)
    session.flush()
    return f"{base}{LINK_PATH}{token}"
