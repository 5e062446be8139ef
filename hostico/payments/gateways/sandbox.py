"""The sandbox gateway: a hosted test page served by the app itself (development and tests only).

It behaves like a real gateway: the app creates a checkout, the customer picks a documented test card
on the sandbox's own page (`/sandbox-gateway/…`), and the outcome reaches the app only as a signed
server-to-server notification `POST /hooks/payments`, sent from a background thread, never through
the customer's browser. The checkout itself is a signed token (the sandbox keeps no tables).

Test cards (the outcome depends only on the number):

| card number          | outcome                                                         |
|----------------------|-----------------------------------------------------------------|
| 4242 4242 4242 4242  | approved                                                        |
| 5555 5555 5555 4444  | approved (Mastercard)                                           |
| 4000 0027 6000 3184  | a 3-D Secure step first: approved if completed, failed if not   |
| 4000 0000 0000 0077  | approved, the notification arrives late (SANDBOX_NOTIFY_DELAY)  |
| 4000 0000 0000 5126  | approved, but the gateway refuses refunds of it                 |
| 4000 0000 0000 0002  | declined: card_declined                                         |
| 4000 0000 0000 9995  | declined: insufficient_funds                                    |
| 4000 0000 0000 0069  | declined: expired_card                                          |
| 4000 0000 0000 0119  | declined: processing_error                                      |

Notification: header `Hostico-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>`
(several v1 while a secret is rotated; more than 5 minutes off is refused), body
`{"id": "evt_…", "type": "checkout.paid" | "checkout.failed", "data": {"checkout": "chk_…",
"amount": "121.00", "currency": "RON", "transaction": "sbx_…", "reason": "card_declined"}}`.

A sandbox checkout lasts HOSTICO_CHECKOUT_MINUTES: its page then refuses payment, and its status query (asked by the
worker about checkouts pending past their lifetime) answers from the outcomes this process sent, or `expired`. The
sandbox remembers outcomes in memory only (it is a development stand-in): a late notification is still recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

from hostico.payments.errors import NotificationRejected, RefundRefused
from hostico.payments.gateways.base import (
    EXPIRED,
    FAILED,
    PAID,
    CheckoutStart,
    GatewayConfig,
    Notification,
    RefundResult,
    StartedCheckout,
)

SIGNATURE_HEADER = "Hostico-Signature"
TOLERANCE = 300
APPROVE, THREE_DS, DELAYED, DECLINE = "approve", "3ds", "delayed", "decline"


@dataclass(frozen=True)
class TestCard:
    number: str
    behaviour: str
    code: str = "approved"
    label: str = ""


# (number, behaviour, decline code, English label shown on the sandbox page)
TEST_CARDS: tuple[TestCard, ...] = (
    TestCard("4242424242424242", APPROVE, label="Visa: approved"),
    TestCard("5555555555554444", APPROVE, label="Mastercard: approved"),
    TestCard("4000002760003184", THREE_DS, label="Visa: 3-D Secure authentication first"),
    TestCard("4000000000000077", DELAYED, label="Visa: approved, notification delayed"),
    TestCard("4000000000005126", APPROVE, label="Visa: approved, refunds refused"),
    TestCard("4000000000000002", DECLINE, "card_declined", "Visa: declined"),
    TestCard("4000000000009995", DECLINE, "insufficient_funds", "Visa: insufficient funds"),
    TestCard("4000000000000069", DECLINE, "expired_card", "Visa: expired card"),
    TestCard("4000000000000119", DECLINE, "processing_error", "Visa: processing error"),
)
CARDS = {card.number: card for card in TEST_CARDS}
REFUND_REFUSED_LAST4 = "5126"
# The outcomes this process's sandbox sent, by checkout reference (its status query reads them; the newest kept).
_OUTCOMES: OrderedDict[str, bytes] = OrderedDict()
_OUTCOMES_LOCK = threading.Lock()
KEEP_OUTCOMES = 10_000


def _remember(reference: str, body: bytes) -> None:
    with _OUTCOMES_LOCK:
        _OUTCOMES[reference] = body
        _OUTCOMES.move_to_end(reference)
        while len(_OUTCOMES) > KEEP_OUTCOMES:
            _OUTCOMES.popitem(last=False)


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """Return the signature header value for a body (what the sandbox sends; tests use it too)."""
    ts = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}"


def verify_signature(secret: str, header: str | None, body: bytes, *, now: float | None = None,
                     tolerance: int = TOLERANCE) -> None:
    """Raise NotificationRejected unless the header signs this body with the secret, recently."""
    if not secret:
        raise NotificationRejected("not_configured", "sandbox notification secret not configured")
    if not header:
        raise NotificationRejected("no_signature", "missing signature")
    timestamp, candidates = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isascii() and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        raise NotificationRejected("bad_signature", "malformed signature")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise NotificationRejected("stale", "signature timestamp outside the tolerance")
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise NotificationRejected("bad_signature", "bad signature")


def _decimal(value: object) -> Decimal | None:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


class SandboxGateway:
    """The built-in test gateway (refused in production by the app factory)."""

    name = "sandbox"

    def __init__(self, cfg: GatewayConfig) -> None:
        self.cfg = cfg
        self._tokens = URLSafeSerializer(cfg.sandbox_secret or "sandbox", salt="sandbox-gateway-checkout")

    # -- the hosted page's side ------------------------------------------------------------------
    def start_checkout(self, start: CheckoutStart) -> StartedCheckout:
        """Create a sandbox checkout: its id is a signed token carrying everything the page shows, and when it ends."""
        expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=self.cfg.checkout_minutes)
        token = self._tokens.dumps({
            "exp": int(expires.timestamp()),
            "ref": start.reference, "amount": str(start.amount), "currency": start.currency,
            "description": start.description, "return": start.return_url, "cancel": start.cancel_url,
            "notify": start.notify_url, "lines": [[code, str(amount)] for code, amount in start.lines],
        })
        return StartedCheckout(provider_id=start.reference, redirect_url=f"/sandbox-gateway/checkout/{token}",
                               expires_at=expires)

    def load_session(self, token: str) -> dict[str, Any] | None:
        """Read a sandbox checkout token (None when it was not issued by this sandbox)."""
        try:
            data = self._tokens.loads(token)
        except BadSignature:
            return None
        return data if isinstance(data, dict) and "ref" in data else None

    @staticmethod
    def session_ended(session: Mapping[str, Any], now: float | None = None) -> bool:
        """Whether a sandbox checkout's lifetime is over (its page no longer takes a payment)."""
        expires = session.get("exp")
        return isinstance(expires, int) and (time.time() if now is None else now) >= expires

    def notification(self, session: Mapping[str, Any], status: str, *, card: str = "",
                     reason: str | None = None) -> bytes:
        """Build the body of the notification the sandbox sends for a checkout's outcome."""
        data = {"checkout": session["ref"], "amount": session["amount"], "currency": session["currency"]}
        if status == PAID:
            data["transaction"] = f"sbx_{secrets.token_hex(8)}_{card[-4:]}"
        if reason:
            data["reason"] = reason
        event = {"id": "evt_" + secrets.token_hex(12), "type": f"checkout.{status}", "data": data}
        body = json.dumps(event).encode()
        _remember(str(session["ref"]), body)
        return body

    def signed_headers(self, body: bytes) -> dict[str, str]:
        """Headers of a notification delivery."""
        return {SIGNATURE_HEADER: sign(self.cfg.sandbox_secret, body), "Content-Type": "application/json"}

    # -- the app's side --------------------------------------------------------------------------
    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify the HMAC signature, then read the event."""
        verify_signature(self.cfg.sandbox_secret, headers.get(SIGNATURE_HEADER), body)
        return self._read_event(body)

    @staticmethod
    def _read_event(body: bytes) -> Notification:
        try:
            event = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise NotificationRejected("bad_body", "body is not JSON") from None
        if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(
                event.get("data"), dict):
            raise NotificationRejected("bad_body", "not an event")
        kind = {"checkout.paid": PAID, "checkout.failed": FAILED}.get(str(event.get("type")))
        if kind is None:
            raise NotificationRejected("unknown_type", "unknown event type")
        data = event["data"]
        if not isinstance(data.get("checkout"), str):
            raise NotificationRejected("bad_body", "checkout missing")
        return Notification(
            reference=data["checkout"], status=kind, amount=_decimal(data.get("amount")),
            currency=str(data.get("currency") or "") or None, event_id=event["id"][:100],
            transaction_id=str(data["transaction"])[:255] if data.get("transaction") else None,
            reason=str(data.get("reason") or "")[:40] or None,
        )

    def notification_answer(self, ok: bool, message: str = "") -> tuple[str, int, str]:
        """Answer 200 to an accepted delivery, 400 to a refused one (the sandbox then stops retrying)."""
        body = json.dumps({"status": "ok"} if ok else {"error": message or "refused"})
        return body, 200 if ok else 400, "application/json"

    def query_status(self, reference: str, provider_id: str | None) -> Notification | None:
        """The outcome this process's sandbox sent for the checkout (paid or failed), else `expired`: the worker
        asks only about checkouts past their lifetime, whose page no longer takes a payment."""
        with _OUTCOMES_LOCK:
            body = _OUTCOMES.get(reference)
        if body is None:
            return Notification(reference=reference, status=EXPIRED, amount=None, currency=None,
                                event_id=f"query:{reference}"[:100], reason="expired")
        return self._read_event(body)

    def refund(self, *, transaction_id: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        """Refund a sandbox payment; payments made with 4000 0000 0000 5126 are refused."""
        if not transaction_id.startswith("sbx_"):
            raise RefundRefused("unknown_transaction", "The gateway does not know this payment.")
        if transaction_id.endswith("_" + REFUND_REFUSED_LAST4):
            raise RefundRefused("refund_refused", "The gateway refused the refund.")
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:16]
        return RefundResult(refund_id=f"sbx_re_{digest}")
