"""Stripe Checkout through the official `stripe` library (Checkout Sessions, webhooks, refunds).

The library is pointed at `HOSTICO_STRIPE_API_URL` (tests: a local fake speaking Stripe's API) and
uses its requests client with the configured timeout. Webhook signatures (`Stripe-Signature`) are verified by the
library itself, with its 5-minute tolerance. Amounts cross the API in minor units (bani, cents).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import stripe
from stripe.params.checkout import SessionCreateParams

from hostico.payments.errors import GatewayUnavailable, NotificationRejected, RefundRefused
from hostico.payments.gateways.base import (
    EXPIRED,
    FAILED,
    PAID,
    PENDING,
    CheckoutStart,
    GatewayConfig,
    Notification,
    RefundResult,
    StartedCheckout,
)

CENTS = Decimal("100")
# A Checkout Session's `expires_at` must be 30 minutes to 24 hours after its creation (Stripe's default: 24 hours).
SHORTEST, LONGEST = 30, 24 * 60
LOCALES = {"ro": "ro", "en": "en"}


def _minor(amount: Decimal) -> int:
    return int((amount * CENTS).to_integral_value())


def _major(value: object) -> Decimal | None:
    return Decimal(int(value)) / CENTS if isinstance(value, int) else None


class StripeGateway:
    """Stripe Checkout in payment mode; the payment intent is what refunds refer to."""

    name = "stripe"

    def __init__(self, cfg: GatewayConfig) -> None:
        self.cfg = cfg
        self.client = stripe.StripeClient(
            cfg.stripe_secret_key or "sk_missing", base_addresses={"api": cfg.stripe_api_url},
            http_client=stripe.RequestsClient(timeout=cfg.timeout), max_network_retries=0)

    def start_checkout(self, start: CheckoutStart) -> StartedCheckout:
        """Create a Checkout Session with one line per proforma; return its hosted URL."""
        currency = start.currency.lower()
        lines = start.lines or ((start.description, start.amount),)
        params: SessionCreateParams = {
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {"currency": currency, "unit_amount": _minor(amount),
                                                          "product_data": {"name": code}}} for code, amount in lines],
            "success_url": start.return_url,
            "cancel_url": start.cancel_url,
            "client_reference_id": start.reference,
            "customer_email": start.email,
            "metadata": {"checkout": start.reference},
            "payment_intent_data": {"description": start.description[:250], "metadata": {"checkout": start.reference}},
            "locale": LOCALES.get(start.language, "auto"),
            # The session lives HOSTICO_CHECKOUT_MINUTES, within what Stripe allows (docs/payments.md).
            "expires_at": int(time.time()) + 60 * min(max(self.cfg.checkout_minutes, SHORTEST), LONGEST),
        }
        try:
            session = self.client.v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"checkout-{start.reference}"})
        except stripe.StripeError as exc:
            raise GatewayUnavailable(getattr(exc, "code", None) or type(exc).__name__, str(exc)) from None
        answer = session.to_dict()
        if not answer.get("url") or answer.get("amount_total") != _minor(start.amount):
            raise GatewayUnavailable("bad_answer", "Stripe answered without a checkout URL or with another amount")
        expires = answer.get("expires_at")
        return StartedCheckout(provider_id=answer["id"], redirect_url=answer["url"],
                               expires_at=dt.datetime.fromtimestamp(expires, dt.UTC) if isinstance(expires, int)
                               else None)

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify the Stripe-Signature header with the library, then read a Checkout Session event."""
        try:
            event = self.client.construct_event(body, headers.get("Stripe-Signature"),
                                                self.cfg.stripe_webhook_secret)
        except stripe.SignatureVerificationError:
            raise NotificationRejected("bad_signature", "bad Stripe signature") from None
        except ValueError:
            raise NotificationRejected("bad_body", "body is not a Stripe event") from None
        data = json.loads(body)  # the same, verified body: plain dicts, not library objects
        session = (data.get("data") or {}).get("object") or {}
        status = {
            "checkout.session.completed": PAID if session.get("payment_status") in ("paid", "no_payment_required")
            else PENDING,
            "checkout.session.async_payment_succeeded": PAID,
            "checkout.session.async_payment_failed": FAILED,
            "checkout.session.expired": EXPIRED,  # the session ended unpaid (docs/payments.md, Checkouts that end)
        }.get(event["type"], PENDING)
        reason = {FAILED: "card_declined", EXPIRED: "expired"}.get(status)
        return self._notification(session, status, event_id=event["id"], reason=reason)

    def _notification(self, session: Mapping[str, Any], status: str, *, event_id: str,
                      reason: str | None) -> Notification:
        if session.get("object") not in (None, "checkout.session"):
            status = PENDING
        reference = session.get("client_reference_id") or (session.get("metadata") or {}).get("checkout") or ""
        intent = session.get("payment_intent")
        if isinstance(intent, Mapping):
            intent = intent.get("id")
        return Notification(
            reference=str(reference), status=status, amount=_major(session.get("amount_total")),
            currency=str(session.get("currency") or "").upper() or None, event_id=str(event_id)[:100],
            provider_id=session.get("id"), transaction_id=intent, reason=reason)

    def notification_answer(self, ok: bool, message: str = "") -> tuple[str, int, str]:
        """Stripe retries anything but a 2xx: refuse with 400 only what must never be retried."""
        return json.dumps({"received": ok, "message": message}), 200 if ok else 400, "application/json"

    def query_status(self, reference: str, provider_id: str | None) -> Notification | None:
        """Retrieve the Checkout Session and say where it stands."""
        if not provider_id:
            return None
        try:
            session = self.client.v1.checkout.sessions.retrieve(provider_id)
        except stripe.StripeError as exc:
            raise GatewayUnavailable(getattr(exc, "code", None) or type(exc).__name__, str(exc)) from None
        data = session.to_dict()
        if data.get("payment_status") == "paid":
            status = PAID
        elif data.get("status") == "expired":
            status = EXPIRED
        else:
            status = PENDING
        return self._notification(data, status, event_id=f"query:{provider_id}",
                                  reason="expired" if status == EXPIRED else None)

    def refund(self, *, transaction_id: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        """Refund part or all of the payment intent; Stripe's refusal raises RefundRefused."""
        try:
            refund = self.client.v1.refunds.create(
                params={"payment_intent": transaction_id, "amount": _minor(amount),
                        "metadata": {"hostico": idempotency_key}},
                options={"idempotency_key": idempotency_key})
        except stripe.StripeError as exc:
            raise RefundRefused(getattr(exc, "code", None) or "refused", exc.user_message or str(exc)) from None
        answer = refund.to_dict()
        if answer.get("status") in ("failed", "canceled"):
            raise RefundRefused(answer.get("failure_reason") or "failed", "Stripe did not complete the refund.")
        return RefundResult(refund_id=answer["id"], status=answer.get("status") or "succeeded")
