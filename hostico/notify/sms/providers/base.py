"""The SMS provider adapter interface, and the HTTP error classification shared by real providers."""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from hostico.notify.errors import PermanentDeliveryError, TemporaryDeliveryError


class SmsProvider(Protocol):
    """Sends one SMS; returns the provider's message id or raises a DeliveryError."""

    name: str

    def send(self, *, to: str, sender: str, text: str) -> str:
        """Hand the SMS to the provider and return its message id."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Return the Retry-After header in seconds when the provider gave one."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def classify_http_failure(provider: str, response: httpx.Response, detail: str) -> Exception:
    """Map an HTTP failure to a temporary (429, 5xx, 408) or permanent (other 4xx) delivery error."""
    status = response.status_code
    message = f"{provider}: HTTP {status}: {detail}"[:500]
    if status in (408, 429) or status >= 500:
        return TemporaryDeliveryError(message, retry_after=retry_after_seconds(response))
    return PermanentDeliveryError(message)


def post(client: httpx.Client, provider: str, url: str, **kwargs: Any) -> httpx.Response:
    """POST, turning timeouts and connection failures into temporary delivery errors."""
    try:
        return client.post(url, **kwargs)
    except httpx.TimeoutException as exc:
        # The provider may or may not have accepted it; retrying is the only way not to lose it.
        raise TemporaryDeliveryError(f"{provider}: timeout: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        raise TemporaryDeliveryError(f"{provider}: connection failed: {type(exc).__name__}") from exc
