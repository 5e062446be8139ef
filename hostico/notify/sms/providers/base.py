"""The SMS provider adapter interface, and the HTTP plumbing shared by real providers: one keep-alive connection
per adapter, timeouts, and the classification of failures.

urllib3 rather than httpx: a provider request is one small form POST on a kept-alive connection, and urllib3 makes
it with about half the CPU (bench/outbox.py spends most of a worker's time here). No retries and no redirects are
followed: a retry is the outbox's decision (backoff, Retry-After), never the client's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol
from urllib.parse import urlencode

import certifi
import urllib3
from urllib3.exceptions import HTTPError, NewConnectionError
from urllib3.exceptions import TimeoutError as HTTPTimeoutError

from hostico.notify.errors import PermanentDeliveryError, TemporaryDeliveryError

Response = urllib3.BaseHTTPResponse


class SmsProvider(Protocol):
    """Sends one SMS; returns the provider's message id or raises a DeliveryError."""

    name: str

    def send(self, *, to: str, sender: str, text: str) -> str:
        """Hand the SMS to the provider and return its message id."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...


class FormPoster:
    """POSTs forms to one provider endpoint over a kept-alive connection (an adapter is used by one thread)."""

    def __init__(self, provider: str, url: str, *, timeout: float, headers: Mapping[str, str]) -> None:
        self.provider = provider
        parsed = urllib3.util.parse_url(url)
        if not parsed.host or parsed.scheme not in ("http", "https"):
            raise ValueError(f"{provider}: HOSTICO_SMS_API_URL must be an http(s) URL, not {url!r}")
        self.path = parsed.request_uri
        self.headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        limits = urllib3.Timeout(connect=timeout, read=timeout)
        self.pool: urllib3.HTTPConnectionPool
        if parsed.scheme == "https":  # the same CA bundle as the other adapters (httpx uses certifi's)
            self.pool = urllib3.HTTPSConnectionPool(parsed.host, parsed.port, timeout=limits, retries=False, maxsize=1,
                                                    ca_certs=certifi.where())
        else:
            self.pool = urllib3.HTTPConnectionPool(parsed.host, parsed.port, timeout=limits, retries=False, maxsize=1)

    def post(self, form: Mapping[str, str]) -> Response:
        """POST the form; turn timeouts and connection failures into temporary delivery errors."""
        try:
            return self.pool.urlopen("POST", self.path, body=urlencode(form).encode(), headers=self.headers,
                                     retries=False, redirect=False, assert_same_host=False)
        except NewConnectionError as exc:  # before the timeouts: urllib3 counts it as a ConnectTimeoutError
            raise TemporaryDeliveryError(f"{self.provider}: connection failed: {type(exc).__name__}") from exc
        except HTTPTimeoutError as exc:
            # The provider may or may not have accepted it; retrying is the only way not to lose it.
            raise TemporaryDeliveryError(f"{self.provider}: timeout: {type(exc).__name__}") from exc
        except HTTPError as exc:
            raise TemporaryDeliveryError(f"{self.provider}: connection failed: {type(exc).__name__}") from exc

    def close(self) -> None:
        """Close the connection."""
        self.pool.close()


def is_success(response: Response) -> bool:
    """Whether the provider answered 2xx."""
    return 200 <= response.status < 300


def json_object(response: Response) -> dict[str, object]:
    """The response's JSON object, or {} when the body is no JSON object."""
    try:
        body = response.json()
    except ValueError:  # not JSON, or not UTF-8
        return {}
    return body if isinstance(body, dict) else {}


def retry_after_seconds(response: Response) -> float | None:
    """Return the Retry-After header in seconds when the provider gave one."""
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value else None
    except ValueError:
        return None


def classify_http_failure(provider: str, response: Response, detail: str) -> Exception:
    """Map an HTTP failure to a temporary (429, 5xx, 408) or permanent (other 4xx) delivery error."""
    status = response.status
    message = f"{provider}: HTTP {status}: {detail}"[:500]
    if status in (408, 429) or status >= 500:
        return TemporaryDeliveryError(message, retry_after=retry_after_seconds(response))
    return PermanentDeliveryError(message)
