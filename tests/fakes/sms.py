"""Local fakes of an SMS provider's HTTP API (Twilio- and SMSO-shaped) on 127.0.0.1.

- `FakeSmsProvider`: answers with scripted responses and keeps every request (tests/notify);
- `serve_counting_provider`: a Twilio-compatible provider that counts what it accepted, served in a
  process of its own (bench/outbox.py);
- `twilio_status_callback`, `smso_status_callback`: the status callbacks each provider POSTs back, as their
  documentation describes them (Twilio signed with X-Twilio-Signature; SMSO a plain form).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs

from tests.fakes.local_http import QuietServer


class _JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # no 40 ms Nagle + delayed-ACK stall per response

    def answer(self, status: int, payload: dict | bytes, headers: dict | None = None) -> None:
        """Answer JSON, or raw bytes as HTML (what a proxy in front of the provider sends on a 502)."""
        raw = isinstance(payload, bytes)
        data = payload if raw else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html" if raw else "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


class FakeSmsProvider:
    """An HTTP server on 127.0.0.1 that answers like an SMS provider, with scripted responses."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict, dict]] = []  # (status, json body, headers), consumed in order
        self.default: tuple[int, dict, dict] = (201, {"sid": "SM0"}, {})
        self.delay = 0.0
        self.on_request = None  # called with the number of requests so far, before answering (fault injection)
        self.hang_up = False  # close each connection after answering, without saying so (an idle timeout)
        owner = self

        class Handler(_JsonHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                owner.requests.append({"path": self.path, "form": form, "headers": dict(self.headers),
                                       "peer": self.client_address})
                if owner.delay:
                    threading.Event().wait(owner.delay)
                if owner.on_request is not None:
                    owner.on_request(len(owner.requests))
                status, body, headers = owner.script.pop(0) if owner.script else owner.default
                self.answer(status, body, headers)
                if owner.hang_up:
                    self.close_connection = True

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_counting_provider(port_queue) -> None:
    """A Twilio-compatible fake: answers 201 with a sid, remembers every body it accepted; GET tells how many
    requests and distinct bodies, DELETE forgets them. Puts its port on `port_queue`, then serves forever."""
    seen: list[str] = []

    class Handler(_JsonHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            seen.append(parse_qs(body)["Body"][0])
            self.answer(201, {"sid": f"SM{len(seen):032d}", "status": "queued"})

        def do_GET(self):  # noqa: N802
            self.answer(200, {"requests": len(seen), "unique": len(set(seen))})

        def do_DELETE(self):  # noqa: N802
            seen.clear()
            self.answer(200, {})

    server = QuietServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_queue.put(server.server_port)
    server.serve_forever()


# --- the providers' status callbacks (docs/sms.md, Delivery receipts) ---------------------------------------
def twilio_status_callback(url: str, *, auth_token: str, account_sid: str, sid: str, status: str,
                           error_code: str | None = None, to: str = "+40722123456",
                           sign_with: str | None = None) -> tuple[dict[str, str], dict[str, str]]:
    """The form and headers Twilio POSTs to a message's StatusCallback URL (signed with the account's auth token,
    or with `sign_with` to forge one)."""
    form = {"MessageSid": sid, "SmsSid": sid, "AccountSid": account_sid, "MessageStatus": status,
            "SmsStatus": status, "From": "Hostico", "To": to, "ApiVersion": "2010-04-01"}
    if error_code is not None:
        form["ErrorCode"] = error_code
    data = url + "".join(k + form[k] for k in sorted(form))
    key = (sign_with or auth_token).encode()
    signature = base64.b64encode(hmac.new(key, data.encode(), hashlib.sha1).digest()).decode()
    return form, {"X-Twilio-Signature": signature}


def smso_status_callback(*, uuid: str, status: str, sent_at: str = "2026-12-05 10:00:00",
                         delivered_at: str | None = None, to: str = "+40722123456") -> dict[str, str]:
    """The form SMSO POSTs to a message's `webhook_status` URL (UTC times, receiver number, MCC, MNC)."""
    form = {"uuid": uuid, "status": status, "sent_at": sent_at, "receiver[number]": to, "receiver[mcc]": "226",
            "receiver[mnc]": "01"}
    if delivered_at:
        form["delivered_at"] = delivered_at
    return form
