"""What every gateway adapter offers, and the plain data that crosses the adapter boundary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

from hostico.config import default, read

# What a gateway says of a checkout: paid, failed (declined ...), pending (nothing yet), expired (its session ended
# unpaid: Stripe's `checkout.session.expired`, NETOPIA's status 23 or a status query after the checkout's lifetime).
PAID, FAILED, PENDING, EXPIRED = "paid", "failed", "pending", "expired"


@dataclass(frozen=True)
class GatewayConfig:
    """The payment settings (HOSTICO_PAYMENT_GATEWAY, HOSTICO_NETOPIA_*, ...), part of the app's typed Settings.

    `name` is the gateway create_app() resolved (the sandbox by default outside production; empty: card
    payments are off). Defaults come from hostico.config."""

    name: str = "sandbox"
    timeout: float = default("PAYMENT_TIMEOUT")
    sandbox_secret: str = ""
    sandbox_notify_delay: float = default("SANDBOX_NOTIFY_DELAY")
    checkout_minutes: int = default("CHECKOUT_MINUTES")
    netopia_api_url: str = default("NETOPIA_API_URL")
    netopia_api_key: str = ""
    netopia_pos_signature: str = ""
    netopia_public_key: str = ""
    stripe_api_url: str = default("STRIPE_API_URL")
    stripe_secret_key: str = ""
    stripe_webhook_secret: str = ""

    @classmethod
    def from_config(cls, cfg: Mapping[str, object]) -> GatewayConfig:
        """Build from a Flask config (or any mapping of the HOSTICO_* names without the prefix)."""
        name = cfg.get("PAYMENT_GATEWAY")
        return cls(
            name=str("sandbox" if name is None else name),
            timeout=float(read(cfg, "PAYMENT_TIMEOUT")),
            sandbox_secret=str(read(cfg, "WEBHOOK_SECRET")),
            sandbox_notify_delay=float(read(cfg, "SANDBOX_NOTIFY_DELAY")),
            checkout_minutes=max(1, int(read(cfg, "CHECKOUT_MINUTES"))),
            netopia_api_url=str(read(cfg, "NETOPIA_API_URL")).rstrip("/"),
            netopia_api_key=str(read(cfg, "NETOPIA_API_KEY")),
            netopia_pos_signature=str(read(cfg, "NETOPIA_POS_SIGNATURE")),
            netopia_public_key=str(read(cfg, "NETOPIA_PUBLIC_KEY")),
            stripe_api_url=str(read(cfg, "STRIPE_API_URL")).rstrip("/"),
            stripe_secret_key=str(read(cfg, "STRIPE_SECRET_KEY")),
            stripe_webhook_secret=str(read(cfg, "STRIPE_WEBHOOK_SECRET")),
        )


@dataclass(frozen=True)
class CheckoutStart:
    """What the app asks a gateway to collect."""

    reference: str            # our checkout reference: the gateway's order id
    amount: Decimal
    currency: str
    description: str
    email: str
    customer_name: str
    return_url: str           # where the customer's browser comes back (the waiting page)
    cancel_url: str
    notify_url: str           # where the gateway sends its signed server-to-server notification
    language: str = "ro"
    lines: tuple[tuple[str, Decimal], ...] = ()  # (proforma code, amount), shown on the gateway's page


@dataclass(frozen=True)
class StartedCheckout:
    """The gateway's answer: its id of the checkout, the hosted page to send the customer to, and when that
    page stops taking payments."""

    provider_id: str
    redirect_url: str
    expires_at: dt.datetime | None = None


@dataclass(frozen=True)
class Notification:
    """A verified notification, reduced to what the app acts on."""

    reference: str            # our checkout reference
    status: str               # paid | failed | pending | expired
    amount: Decimal | None
    currency: str | None
    event_id: str
    provider_id: str | None = None
    transaction_id: str | None = None
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict[str, Any])


@dataclass(frozen=True)
class RefundResult:
    """A refund the gateway accepted."""

    refund_id: str
    status: str = "succeeded"


class Gateway(Protocol):
    """A payment gateway with a hosted page, signed notifications, a status query and refunds."""

    name: str

    def start_checkout(self, start: CheckoutStart) -> StartedCheckout:
        """Create the checkout at the gateway; raise GatewayUnavailable when it refuses or does not answer."""

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify the notification's signature and read it; raise NotificationRejected otherwise."""

    def notification_answer(self, ok: bool, message: str = "") -> tuple[str, int, str]:
        """Return (body, status, content type) the gateway expects in answer to a notification."""

    def query_status(self, reference: str, provider_id: str | None) -> Notification | None:
        """Ask the gateway where a checkout stands (None when it cannot say); raise GatewayUnavailable when it
        does not answer."""

    def refund(self, *, transaction_id: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        """Give money back for a paid checkout; raise RefundRefused when the gateway refuses."""
