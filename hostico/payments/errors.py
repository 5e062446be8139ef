"""Typed errors of the payments domain: each carries a code (for the web layer's translated sentence)."""

from __future__ import annotations

from hostico.billing.errors import BillingError


class PaymentsError(BillingError):
    """A payments rule or the gateway refused the operation."""

    code: str

    def __init__(self, code: str, message: str = "", **params: object) -> None:
        super().__init__(message or code)
        self.code, self.params = code, params


class GatewayUnavailable(PaymentsError):
    """The gateway did not answer, or answered with an error: nothing was started or changed."""


class NotificationRejected(PaymentsError):
    """A notification that is not authentic or not well-formed: answered 400, nothing recorded."""


class NotificationRefused(PaymentsError):
    """An authentic notification that cannot apply (wrong amount or currency): nothing recorded, audited."""


class RefundRefused(PaymentsError):
    """The refund is not allowed here, or the gateway refused it: nothing changed."""
