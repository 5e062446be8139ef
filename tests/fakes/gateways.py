"""Local fake servers speaking NETOPIA's API v2 and Stripe's API (the parts the adapters use), errors included.

Each runs a Werkzeug app on 127.0.0.1 in a thread, keeps what it was asked, and can produce the signed
notification its real counterpart would send.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import threading
import time
from urllib.parse import parse_qsl

from joserfc import jwt
from joserfc.jwk import RSAKey
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response


class FakeServer:
    """A Werkzeug app served on a free port of 127.0.0.1."""

    def __init__(self):
        self.requests: list[tuple[str, str, dict, object]] = []
        self.fail_next: tuple[int, dict] | None = None
        self.delay = 0.0
        self.server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.thread.join(5)

    def _wsgi(self, environ, start_response):
        request = Request(environ)
        if self.delay:
            time.sleep(self.delay)
        if self.fail_next is not None:
            status, body = self.fail_next
            self.fail_next = None
            return Response(json.dumps(body), status, content_type="application/json")(environ, start_response)
        status, body = self.handle(request)
        return Response(json.dumps(body), status, content_type="application/json")(environ, start_response)

    def handle(self, request: Request) -> tuple[int, dict]:
        raise NotImplementedError


class FakeNetopia(FakeServer):
    """NETOPIA Payments API v2: /payment/card/start, /operation/status, /operation/credit; signs IPNs."""

    API_KEY = "netopia-test-api-key"
    POS = "AAAA-BBBB-CCCC-DDDD-EEEE"

    def __init__(self):
        super().__init__()
        self.key = RSAKey.generate_key(2048, private=True)
        self.public_pem = self.key.as_pem(private=False).decode()
        self.payments: dict[str, dict] = {}
        self.status_queries: list[str] = []
        self._ids = itertools.count(1309088)

    def settle(self, ntp: str, status: int) -> None:
        """What the customer did on the hosted page, without an IPN reaching the shop (3 paid, 12 declined...)."""
        self.payments[ntp]["status"] = status

    def handle(self, request):
        if request.headers.get("Authorization") != self.API_KEY:
            return 401, {"code": "401", "message": "Invalid API key"}
        payload = request.get_json(silent=True) or {}
        self.requests.append((request.method, request.path, dict(request.headers), payload))
        if request.path == "/payment/card/start":
            order = payload.get("order") or {}
            if order.get("posSignature") != self.POS:
                return 200, {"error": {"code": "99", "message": "Invalid signature"}, "payment": {}}
            if not (payload.get("config") or {}).get("notifyUrl") or not order.get("orderID"):
                return 400, {"code": "100", "message": "Missing parameters", "error": {"code": "100"}}
            ntp = str(next(self._ids))
            self.payments[ntp] = {"orderID": order["orderID"], "amount": order["amount"],
                                  "currency": order["currency"], "status": 1, "credited": 0.0}
            return 200, {"customerAction": {}, "error": {"code": "101", "message": "Redirect user to payment page"},
                         "payment": {"amount": order["amount"], "currency": order["currency"], "ntpID": ntp,
                                     "status": 1,
                                     "paymentURL": f"https://secure.sandbox.netopia-payments.com/ui/card?p={ntp}"}}
        if request.path == "/operation/status":
            # {posID, ntpID, orderID} -> the payment as it stands: 1 new (the customer never paid), 3 paid,
            # 5 confirmed, 12 declined, 23 expired, ... (`settle` below plays the customer on the hosted page).
            payment = self.payments.get(payload.get("ntpID", ""))
            if payment is None or payload.get("posID") != self.POS or (
                    payload.get("orderID") and payload["orderID"] != payment["orderID"]):
                return 404, {"code": "404", "message": "Order not found"}
            self.status_queries.append(payload["ntpID"])
            return 200, {"error": {"code": "00", "message": ""}, "order": {"orderID": payment["orderID"]},
                         "payment": {"ntpID": payload["ntpID"], "status": payment["status"],
                                     "amount": payment["amount"], "currency": payment["currency"]}}
        if request.path == "/operation/credit":
            payment = self.payments.get(payload.get("ntpID", ""))
            if payment is None:
                return 404, {"code": "404", "message": "Order not found"}
            amount = float(payload.get("amount") or 0)
            if payment["status"] not in (3, 5) or amount <= 0 or payment["credited"] + amount > payment["amount"]:
                return 200, {"error": {"code": "56", "message": "Operation not allowed"},
                             "payment": {"ntpID": payload["ntpID"], "status": payment["status"]}}
            payment["credited"] += amount
            return 200, {"error": {"code": "00", "message": "Approved"},
                         "payment": {"ntpID": payload["ntpID"], "status": 8, "amount": amount}}
        return 404, {"code": "404", "message": "Not found"}

    def ipn(self, ntp: str, status: int = 3, *, amount=None, currency=None, key=None, audience=None,
            expires_in: int = 300) -> tuple[bytes, dict]:
        """The IPN NETOPIA would post for a payment: JSON body and its Verification-token header."""
        payment = self.payments[ntp]
        if status in (3, 5):
            payment["status"] = status
        body = json.dumps({
            "order": {"orderID": payment["orderID"]},
            "payment": {"method": 1, "ntpID": ntp, "status": status, "amount": payment["amount"] if amount is None
                        else amount, "currency": currency or payment["currency"], "message": "Approved",
                        "code": "00"}}).encode()
        now = int(time.time())
        claims = {"iss": "NETOPIA Payments", "aud": [audience or self.POS], "iat": now, "nbf": now,
                  "exp": now + expires_in, "jti": f"{ntp}-{status}-{now}",
                  "sub": base64.b64encode(hashlib.sha512(body).digest()).decode()}
        token = jwt.encode({"alg": "RS512", "typ": "JWT"}, claims, key or self.key, algorithms=["RS512"])
        return body, {"Verification-token": token, "Content-Type": "application/json"}


class FakeStripe(FakeServer):
    """Stripe's API: Checkout Sessions (create, retrieve), Refunds; signs webhook events."""

    SECRET_KEY = "sk_test_hostico"
    WEBHOOK_SECRET = "whsec_hostico_test"

    def __init__(self):
        super().__init__()
        self.sessions: dict[str, dict] = {}
        self.refunded: dict[str, int] = {}
        self._ids = itertools.count(1)

    @staticmethod
    def _error(status, message, code=None, kind="invalid_request_error"):
        error = {"type": kind, "message": message}
        if code:
            error["code"] = code
        return status, {"error": error}

    @staticmethod
    def _form(request) -> dict:
        """Stripe's form encoding (a[b][0][c]=v) back into nested dicts and lists."""
        out: dict = {}
        for key, value in parse_qsl(request.get_data(as_text=True), keep_blank_values=True):
            parts = key.replace("]", "").split("[")
            node = out
            for part, nxt in zip(parts, parts[1:]):
                node = node.setdefault(part, {})
            node[parts[-1]] = value
        return out

    def handle(self, request):
        if request.headers.get("Authorization") != f"Bearer {self.SECRET_KEY}":
            return self._error(401, "Invalid API Key provided: sk_****")
        form = self._form(request)
        self.requests.append((request.method, request.path, dict(request.headers), form))
        if request.method == "POST" and request.path == "/v1/checkout/sessions":
            if form.get("mode") != "payment" or not form.get("success_url") or not form.get("line_items"):
                return self._error(400, "Missing required param: line_items.", "parameter_missing")
            items = [form["line_items"][k] for k in sorted(form["line_items"], key=int)]
            total = sum(int(i["price_data"]["unit_amount"]) * int(i["quantity"]) for i in items)
            if total < 50:
                return self._error(400, "The Checkout Session's total amount due must add up to at least 0.50",
                                   "amount_too_small")
            sid = f"cs_test_{next(self._ids):06d}"
            now = int(time.time())
            expires_at = int(form.get("expires_at") or now + 24 * 3600)  # Stripe's default: 24 hours
            if not now + 30 * 60 - 5 <= expires_at <= now + 24 * 3600 + 5:
                return self._error(400, "The `expires_at` timestamp must be between 30 minutes and 24 hours "
                                        "after Checkout Session creation.", "parameter_invalid_integer")
            self.sessions[sid] = {
                "expires_at": expires_at, "created": now,
                "id": sid, "object": "checkout.session", "mode": "payment", "status": "open",
                "payment_status": "unpaid", "amount_total": total,
                "currency": items[0]["price_data"]["currency"], "client_reference_id": form.get("client_reference_id"),
                "metadata": form.get("metadata", {}), "payment_intent": None,
                "url": f"https://checkout.stripe.com/c/pay/{sid}", "success_url": form["success_url"]}
            return 200, self.sessions[sid]
        if request.method == "GET" and request.path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(request.path.rsplit("/", 1)[1])
            if session is None:
                return self._error(404, "No such checkout.session", "resource_missing")
            return 200, session
        if request.method == "POST" and request.path == "/v1/refunds":
            intent = form.get("payment_intent", "")
            session = next((s for s in self.sessions.values() if s["payment_intent"] == intent), None)
            if session is None:
                return self._error(404, f"No such payment_intent: '{intent}'", "resource_missing")
            amount = int(form.get("amount") or session["amount_total"])
            if self.refunded.get(intent, 0) + amount > session["amount_total"]:
                return self._error(400, "Refund amount is greater than the amount remaining.",
                                   "charge_already_refunded")
            self.refunded[intent] = self.refunded.get(intent, 0) + amount
            return 200, {"id": f"re_test_{next(self._ids):06d}", "object": "refund", "amount": amount,
                         "payment_intent": intent, "status": "succeeded", "currency": session["currency"]}
        return self._error(404, "Unrecognized request URL", "resource_missing")

    def complete(self, sid: str, *, event_type="checkout.session.completed", amount_total=None, currency=None,
                 secret=None, timestamp=None) -> tuple[bytes, dict]:
        """The webhook event Stripe would post when the customer pays on the hosted page."""
        session = self.sessions[sid]
        if event_type in ("checkout.session.completed", "checkout.session.async_payment_succeeded"):
            session.update(status="complete", payment_status="paid",
                           payment_intent=session["payment_intent"] or f"pi_test_{sid[-6:]}")
        elif event_type == "checkout.session.expired":
            session.update(status="expired")
        obj = dict(session)
        if amount_total is not None:
            obj["amount_total"] = amount_total
        if currency is not None:
            obj["currency"] = currency
        event = {"id": f"evt_test_{next(self._ids):06d}", "object": "event", "type": event_type,
                 "api_version": "2026-01-01", "created": int(time.time()), "data": {"object": obj}}
        body = json.dumps(event).encode()
        ts = int(time.time()) if timestamp is None else timestamp
        mac = hmac.new((secret or self.WEBHOOK_SECRET).encode(), f"{ts}.".encode() + body, hashlib.sha256)
        return body, {"Stripe-Signature": f"t={ts},v1={mac.hexdigest()}", "Content-Type": "application/json"}
