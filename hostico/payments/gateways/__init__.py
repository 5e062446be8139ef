"""Gateway adapters: `sandbox` (built in, development), `netopia` (NETOPIA Payments API v2), `stripe`."""

from __future__ import annotations

from collections.abc import Mapping

from hostico.payments.gateways.base import (
    CheckoutStart,
    Gateway,
    GatewayConfig,
    Notification,
    RefundResult,
    StartedCheckout,
)

__all__ = ["CheckoutStart", "Gateway", "GatewayConfig", "Notification", "REQUIRED_SECRETS", "RefundResult",
           "StartedCheckout", "get_gateway", "production_problems"]


def get_gateway(cfg: GatewayConfig, name: str | None = None) -> Gateway:
    """Return the adapter of the configured gateway (or of `name`), from the app's payment settings."""
    name = name or cfg.name
    if name == "sandbox":
        from hostico.payments.gateways.sandbox import SandboxGateway

        return SandboxGateway(cfg)
    if name == "netopia":
        from hostico.payments.gateways.netopia import NetopiaGateway

        return NetopiaGateway(cfg)
    if name == "stripe":
        from hostico.payments.gateways.stripe import StripeGateway

        return StripeGateway(cfg)
    raise ValueError(f"unknown payment gateway {name!r} (HOSTICO_PAYMENT_GATEWAY: sandbox, netopia or stripe)")


# The secrets each real gateway cannot work without: production refuses to start when one is missing.
REQUIRED_SECRETS = {
    "netopia": ("NETOPIA_API_KEY", "NETOPIA_POS_SIGNATURE", "NETOPIA_PUBLIC_KEY"),
    "stripe": ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET"),
}


def production_problems(config: Mapping[str, object]) -> list[str]:
    """What keeps the configured gateway from running in production (empty when nothing does)."""
    name = str(config.get("PAYMENT_GATEWAY") or "")
    if name == "sandbox":
        return ["HOSTICO_PAYMENT_GATEWAY=sandbox is refused in production: use netopia or stripe"]
    return [f"HOSTICO_{key} must be set when HOSTICO_PAYMENT_GATEWAY={name}"
            for key in REQUIRED_SECRETS.get(name, ()) if not str(config.get(key) or "").strip()]
