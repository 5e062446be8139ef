"""The link on an invoice number in an email. The worker calls this when it renders an email."""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from hostico.maillogin.tokens import mint


def invoice_link(session: Session, *, customer_id: int, invoice_id: int, invoice_code: str, sent_at: dt.datetime,
                 base_url: str, secret_key: str, outbox_message_id: int | None = None) -> str:
    """Mint a recorded 7-day login link for this invoice and return its absolute `/m/<token>` URL.

    invoice_code is not part of the token (the token names the invoice by id); it stays in the
    signature so callers need not change.
    """
    token = mint(session, customer_id=customer_id, invoice_id=invoice_id, sent_at=sent_at, secret_key=secret_key,
                 outbox_message_id=outbox_message_id)
    return f"{base_url.rstrip('/')}/m/{token}"
