"""Fixtures for the notification tests: delivering the outbox, a real SMTP server, a fake SMS provider."""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
from sqlalchemy import select

from hostico.models import OutboxMessage
from hostico.notify.sms.providers.file import read_sms_file
from tests.conftest import reconfigure


@pytest.fixture(autouse=True)
def _mail_to_outbox(app):
    """Emails are only rendered and marked sent unless a test starts the SMTP server (smtp_server)."""
    reconfigure(app, MAIL_BACKEND="outbox")


@pytest.fixture
def sms_file(app):
    """Return a function reading every SMS the file backend wrote."""
    return lambda: read_sms_file(app.config["SMS_FILE"])


@pytest.fixture
def outbox(session):
    """Return a function listing outbox rows (fresh from the database), optionally by channel."""
    def rows(channel: str | None = None) -> list[OutboxMessage]:
        session.expire_all()
        stmt = select(OutboxMessage).order_by(OutboxMessage.id)
        if channel:
            stmt = stmt.where(OutboxMessage.channel == channel)
        return list(session.scalars(stmt))
    return rows


@pytest.fixture
def opted_in(make):
    """A customer who turned SMS on with a Romanian mobile number."""
    return make.make_customer(phone_e164="+40722123456", sms_opt_in=True,
                              sms_consent_at=dt.datetime.now(dt.UTC))


class FakeProvider:
    """An HTTP server on 127.0.0.1 that answers like an SMS provider, with scripted responses."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict, dict]] = []  # (status, json body, headers), consumed in order
        self.default: tuple[int, dict, dict] = (201, {"sid": "SM0"}, {})
        self.delay = 0.0
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # no 40 ms Nagle + delayed-ACK stall per response

            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                owner.requests.append({"path": self.path, "form": form, "headers": dict(self.headers)})
                if owner.delay:
                    threading.Event().wait(owner.delay)
                status, body, headers = owner.script.pop(0) if owner.script else owner.default
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_provider():
    provider = FakeProvider()
    yield provider
    provider.close()
