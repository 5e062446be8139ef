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

__all__ = ["CheckoutStart", "Gateway", "GatewayConfig", "Notification", "RefundResult", "StartedCheckout",
           "get_gateway"]


def get_gateway(config: Mapping[str, object], name: str | None = None) -> Gateway:
    """Return the adapter of the configured gateway (or of `name`)."""
    cfg = GatewayConfig.from_config(config)
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
