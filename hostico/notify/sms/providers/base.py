"""The SMS provider adapter interface, and the HTTP plumbing shared by real providers: one keep-alive connection
per adapter, timeouts, and the classification of failures.

The standard library's http.client rather than an HTTP client library: a provider request is one small form POST on
a kept-alive connection, and bench/outbox.py spends most of a worker's CPU on it. Per request on a kept-alive
connection to the fake provider: httpx 450-470 us CPU, urllib3 240-270 us, http.client 150-170 us. No retries and no
redirects are followed: a retry is the outbox's decision (backoff, Retry-After), never the client's. HTTPS verifies
the certificate and host name against certifi's CA bundle (as httpx does).
"""

from __future__ import annotations

import http.client
import json
import select
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlencode, urlsplit

import certifi

from hostico.notify.errors import PermanentDeliveryError, TemporaryDeliveryError


@dataclass(frozen=True)
class Response:
    """A provider's answer, read whole."""

    status: int
    reason: str
    headers: http.client.HTTPMessage  # case-insensitive get()
    data: bytes

    def json(self) -> object:
        """The body as JSON (ValueError when it is not JSON, or not UTF-8)."""
        return json.loads(self.data.decode("utf-8"))


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
        parts = urlsplit(url)
        if not parts.hostname or parts.scheme not in ("http", "https"):
            raise ValueError(f"{provider}: HOSTICO_SMS_API_URL must be an http(s) URL, not {url!r}")
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.headers = {"Content-Type": "application/x-www-form-urlencoded", **headers}
        self.conn: http.client.HTTPConnection
        if parts.scheme == "https":
            tls = ssl.create_default_context(cafile=certifi.where())  # verifies the certificate and the host name
            self.conn = http.client.HTTPSConnection(parts.hostname, parts.port, timeout=timeout, context=tls)
        else:
            self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)

    def post(self, form: Mapping[str, str]) -> Response:
        """POST the form; turn timeouts and connection failures into temporary delivery errors."""
        if self.conn.sock is not None and _readable(self.conn.sock):
            self.conn.close()  # the provider closed the idle connection (or sent what nobody asked for): a new one
        try:
            self.conn.request("POST", self.path, body=urlencode(form).encode(), headers=self.headers)
            answer = self.conn.getresponse()
            response = Response(answer.status, answer.reason, answer.headers, answer.read())
        except TimeoutError as exc:
            self.conn.close()
            # The provider may or may not have accepted it; retrying is the only way not to lose it.
            raise TemporaryDeliveryError(f"{self.provider}: timeout: {type(exc).__name__}") from exc
        except (OSError, http.client.HTTPException) as exc:
            self.conn.close()
            raise TemporaryDeliveryError(f"{self.provider}: connection failed: {type(exc).__name__}") from exc
        return response  # http.client closes the connection itself when the answer said so

    def close(self) -> None:
        """Close the connection."""
        self.conn.close()


def _readable(sock: socket.socket) -> bool:
    """Whether an idle connection has something to read: its end (the server closed it) or stray bytes."""
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


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
