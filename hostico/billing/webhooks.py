"""Payment-gateway webhooks: HMAC-SHA256 signature check, then one payment per event id.

The gateway sends `POST /hooks/payments` with a JSON body and the header

    Hostico-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + raw body)>

(several `v1=` entries are allowed while a secret is rotated). A signature older or newer than
`TOLERANCE` seconds is refused, so a captured delivery cannot be replayed later. The body:

    {"id": "evt_...", "type": "payment.succeeded",
     "data": {"invoice": "HPF-000012", "amount": "121.00", "currency": "RON", "reference": "..."}}

The event id is the payment's idempotency key: the same event delivered again records nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from hostico.billing.errors import BillingError
from hostico.billing.payments import record_payment
from hostico.billing.settings import BillingSettings
from hostico.models import Invoice, Payment

SIGNATURE_HEADER = "Hostico-Signature"
TOLERANCE = 300
PAYMENT_EVENTS = ("payment.succeeded",)


class WebhookRejected(BillingError):
    """The delivery is not authentic or not well-formed; answer 400 and record nothing."""


@dataclass(frozen=True)
class WebhookOutcome:
    """What a delivery did: `recorded`, `duplicate` or `ignored`, with the payment when there is one."""

    status: str
    payment: Payment | None = None


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """Return the signature header value for a body (what the gateway sends; used by tests and tools)."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify_signature(secret: str, header: str | None, body: bytes, *, now: float | None = None,
                     tolerance: int = TOLERANCE) -> None:
    """Raise WebhookRejected unless the header signs this body with the secret, recently."""
    if not secret:
        raise WebhookRejected("webhook secret not configured")
    if not header:
        raise WebhookRejected("missing signature")
    timestamp, candidates = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise WebhookRejected("malformed signature")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise WebhookRejected("signature timestamp outside the tolerance")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise WebhookRejected("bad signature")


def parse_event(body: bytes) -> dict:
    """Parse the JSON body with exact decimals; raise WebhookRejected when it is not an event."""
    try:
        event = json.loads(body, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        raise WebhookRejected("body is not JSON") from None
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not event["id"].strip():
        raise WebhookRejected("event id missing")
    if len(event["id"]) > 100 or not isinstance(event.get("type"), str):
        raise WebhookRejected("event id or type invalid")
    if event["type"] in PAYMENT_EVENTS and not isinstance(event.get("data"), dict):
        raise WebhookRejected("event data missing")
    return event


def handle_event(session: Session, event: dict, *, settings: BillingSettings, today: dt.date) -> WebhookOutcome:
    """Apply a verified event: record its payment once (raises PaymentRefused when it cannot apply)."""
    if event["type"] not in PAYMENT_EVENTS:
        return WebhookOutcome("ignored")
    key = f"gateway:{event['id']}"
    existing = session.scalar(select(Payment).where(Payment.idempotency_key == key))
    if existing is not None:
        return WebhookOutcome("duplicate", existing)
    data = event["data"]
    try:
        amount = Decimal(str(data.get("amount")))
    except InvalidOperation:
        raise WebhookRejected("amount is not a number") from None
    code = str(data.get("invoice") or "")
    proforma_id = session.scalar(select(Invoice.id).where(Invoice.code == code, Invoice.kind == "proforma"))
    if proforma_id is None:
        raise WebhookRejected(f"unknown proforma {code[:40]!r}")
    reference = str(data.get("reference") or event["id"])[:120]
    payment = record_payment(session, proforma_id, amount=amount, method="gateway", settings=settings, today=today,
                             reference=reference, idempotency_key=key, currency=str(data.get("currency") or "")
                             or None)
    # A concurrent duplicate that won the race comes back from record_payment as the same payment;
    # either way the gateway gets a 200 and exactly one payment exists.
    return WebhookOutcome("recorded", payment)
