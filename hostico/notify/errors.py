"""Delivery outcomes a channel reports to the worker: permanent failures die, temporary ones retry."""

from __future__ import annotations


class DeliveryError(Exception):
    """A message could not be delivered."""


class PermanentDeliveryError(DeliveryError):
    """Retrying cannot help (invalid number, rejected sender, refused recipient): the message dies."""


class TemporaryDeliveryError(DeliveryError):
    """The channel is down or throttling: try again later."""

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
