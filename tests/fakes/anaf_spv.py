"""A fake ANAF on 127.0.0.1 (real HTTP): OAuth2 (/anaf-oauth2/v1/authorize, /token) and SPV's REST API.

SPV's answers come from hostico.efactura.simulator (ANAF's documented XML/JSON shapes); this server adds
what only a network can do: bearer tokens that expire (401), scripted faults (503, 500, an upload that
is processed but whose answer is lost), and a record of every request.
"""

from __future__ import annotations

import itertools
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlencode, urlsplit

from hostico.efactura.simulator import SpvSimulator
from tests.fakes.local_http import QuietServer


class FakeAnaf:
    def __init__(self, *, validator=None, token_lifetime: int = 7776000) -> None:
        self.spv = SpvSimulator(validator=validator or (lambda xml: []))
        self.requests: list[dict] = []
        self.faults: dict[str, list[str]] = {}  # endpoint -> faults consumed in order: "503", "500", "drop"
        self.token_lifetime = token_lifetime
        self.client_id, self.client_secret = "client-id", "client-secret"
        self.codes: set[str] = set()
        self.access_tokens: dict[str, float] = {}  # token -> expiry (epoch seconds)
        self.refresh_tokens: set[str] = {"bootstrap-refresh"}
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self, status: int, ctype: str, body: bytes, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _handle(self, method: str) -> None:
                parts = urlsplit(self.path)
                query = {k: v[0] for k, v in parse_qs(parts.query).items()}
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                entry = {"method": method, "path": parts.path, "query": query, "body": body,
                         "auth": self.headers.get("Authorization", ""), "ctype": self.headers.get("Content-Type")}
                owner.requests.append(entry)
                if parts.path.startswith("/anaf-oauth2/v1/"):
                    return self._reply(*owner.oauth(method, parts.path, query, body))
                endpoint = parts.path.rsplit("/", 1)[-1]
                if not owner.authorised(entry["auth"]):
                    payload = {"timestamp": time.strftime("%Y-%m-%dT%H:%M:%S"), "status": 401,
                               "error": "Unauthorized", "message": "Token invalid sau expirat", "path": parts.path}
                    return self._reply(401, "application/json", json.dumps(payload).encode())
                fault = owner.next_fault(endpoint)
                if fault in ("503", "500"):
                    return self._reply(int(fault), "text/html", b"<html><body>Service Unavailable</body></html>")
                if fault == "429":
                    return self._reply(429, "text/plain", b"Limita de apeluri depasita", {"Retry-After": "1"})
                answer = owner.spv.handle(method, parts.path, query, body)
                if fault == "drop":  # processed, but the answer never reaches the client
                    self.close_connection = True
                    return None
                return self._reply(*answer)

            def do_GET(self):  # noqa: N802
                self._handle("GET")

            def do_POST(self):  # noqa: N802
                self._handle("POST")

            def log_message(self, *args):
                pass

        self.server = QuietServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def start(self) -> FakeAnaf:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- behaviour ---------------------------------------------------------------------------------
    def fail(self, endpoint: str, *faults: str) -> None:
        """Script faults for the next requests to an endpoint (upload, stareMesaj, descarcare ...)."""
        self.faults.setdefault(endpoint, []).extend(faults)

    def next_fault(self, endpoint: str) -> str | None:
        with self._lock:
            queue = self.faults.get(endpoint) or []
            return queue.pop(0) if queue else None

    def authorised(self, header: str) -> bool:
        token = header.removeprefix("Bearer ").strip()
        expiry = self.access_tokens.get(token)
        return expiry is not None and expiry > time.time()

    def expire_access_tokens(self) -> None:
        """Every access token issued so far stops working (as after its 90 days)."""
        for token in self.access_tokens:
            self.access_tokens[token] = 0

    def calls(self, endpoint: str) -> list[dict]:
        return [r for r in self.requests if r["path"].rsplit("/", 1)[-1] == endpoint]

    def _issue(self) -> dict:
        access, refresh = f"at-{next(self._ids)}-{secrets.token_hex(4)}", f"rt-{secrets.token_hex(6)}"
        self.access_tokens[access] = time.time() + self.token_lifetime
        self.refresh_tokens = {refresh}  # ANAF rotates the refresh token
        return {"access_token": access, "token_type": "Bearer", "expires_in": self.token_lifetime,
                "refresh_token": refresh, "scope": ""}

    def oauth(self, method: str, path: str, query: dict, body: bytes) -> tuple[int, str, bytes]:
        if path.endswith("/authorize") and method == "GET":
            # The operator presented the certificate: back to the app with a code and the same state.
            if query.get("client_id") != self.client_id or query.get("response_type") != "code":
                return 400, "text/plain", b"invalid client"
            code = secrets.token_hex(8)
            self.codes.add(code)
            target = f"{query['redirect_uri']}?{urlencode({'code': code, 'state': query.get('state', '')})}"
            return 200, "text/plain", target.encode()
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}

        def error(name: str, description: str) -> tuple[int, str, bytes]:
            return 400, "application/json", json.dumps({"error": name, "error_description": description}).encode()

        if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
            return 401, "application/json", json.dumps({"error": "invalid_client"}).encode()
        if form.get("grant_type") == "authorization_code":
            if form.get("code") not in self.codes:
                return error("invalid_grant", "Invalid authorization code")
            self.codes.discard(form["code"])
        elif form.get("grant_type") == "refresh_token":
            if form.get("refresh_token") not in self.refresh_tokens:
                return error("invalid_grant", "Invalid refresh token")
        else:
            return error("unsupported_grant_type", "")
        return 200, "application/json", json.dumps(self._issue()).encode()
