"""The link on an invoice number in an email. The worker calls this when it renders an email.

The mail-login issue makes it mint a signed, recorded, 7-day token (`/m/<token>`); until then it
is the plain invoice URL, which asks for a login.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session


def invoice_link(session: Session, *, customer_id: int, invoice_id: int, invoice_code: str, sent_at: dt.datetime,
                 base_url: str, secret_key: str, outbox_message_id: int | None = None) -> str:
    """Return the absolute URL to put on the invoice number of an email sent at sent_at."""
    return f"{base_url.rstrip('/')}/invoices/{invoice_code}"
