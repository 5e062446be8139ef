"""NETOPIA Payments API v2 over httpx (the official `netopia-sdk` was not taken: it brings a second HTTP
stack and PyJWT, picks its host from a live/sandbox flag instead of a base URL, and has no refunds).

- start:  `POST {base}/payment/card/start` with `Authorization: <API key>`; without card data NETOPIA
  answers error code `101` ("redirect user to payment page") and `payment.paymentURL`, its hosted page.
- IPN:    NETOPIA posts the payment to `config.notifyUrl` with a `Verification-token` header: a JWT
  signed RS512 by NETOPIA's key whose `iss` is "NETOPIA Payments", `aud` the POS signature and `sub`
  the base64 SHA-512 of the raw body. We answer `{"errorType": 0|1|2, "errorCode", "errorMessage"}`
  (0 none, 1 temporary: NETOPIA resends, 2 permanent).
- status: `POST {base}/operation/status` with `{posID, ntpID, orderID}`.
- refund: `POST {base}/operation/credit` with `{posID, ntpID, amount}`; approved is error code 00 and
  payment status 8 (credit).
Payment statuses: 3 paid, 5 confirmed; 4 cancelled, 11 error, 12 declined, 23 expired; others pending.
- lifetime: the v2 documentation publishes no lifetime of the hosted page, so a checkout lasts
  HOSTICO_CHECKOUT_MINUTES; past it the worker asks `/operation/status` (paid: recorded; else expired).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from hostico.payments.errors import GatewayUnavailable, NotificationRejected, RefundRefused
from hostico.payments.gateways.base import (
    EXPIRED,
    FAILED,
    PAID,
    PENDING,
    CheckoutStart,
    GatewayConfig,
    Notification,
    RefundResult,
    StartedCheckout,
)

ISSUER = "NETOPIA Payments"
PAID_STATUSES = {3, 5}
FAILED_STATUSES = {4: "cancelled", 11: "processing_error", 12: "card_declined", 13: "card_declined"}
EXPIRED_STATUS = 23
CREDIT_STATUS = 8
OK_CODES = {"00", "0"}
HOSTED_PAGE_CODE = "101"
ROMANIA = 642


def _money(value: object) -> Decimal | None:
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        return None
    return amount if amount.is_finite() else None


def _number(amount: Decimal) -> float:
    # NETOPIA's schema types amounts as JSON numbers; two decimals survive float exactly enough to print.
    return float(amount.quantize(Decimal("0.01")))


class NetopiaGateway:
    """NETOPIA Payments (mobilPay) API v2."""

    name = "netopia"

    def __init__(self, cfg: GatewayConfig) -> None:
        self.cfg = cfg

    # -- API calls -------------------------------------------------------------------------------
    def _post(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        try:
            resp = httpx.post(f"{self.cfg.netopia_api_url}{path}", json=payload, timeout=self.cfg.timeout,
                              headers={"Authorization": self.cfg.netopia_api_key, "Accept": "application/json"})
        except httpx.HTTPError as exc:
            raise GatewayUnavailable("unreachable", f"NETOPIA did not answer: {type(exc).__name__}") from None
        try:
            data = resp.json()
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        if resp.status_code >= 400:
            error: dict[str, Any] = data["error"] if isinstance(data.get("error"), dict) else data
            code = str(error.get("code") or resp.status_code)
            message = str(error.get("message") or resp.reason_phrase)
            raise GatewayUnavailable(code, f"NETOPIA answered {resp.status_code}: {message}"[:300])
        return data

    def start_checkout(self, start: CheckoutStart) -> StartedCheckout:
        """Start a payment without card data: NETOPIA answers with its hosted page."""
        first, _, last = (start.customer_name or start.email).partition(" ")
        payload = {
            "config": {"emailTemplate": "", "notifyUrl": start.notify_url, "redirectUrl": start.return_url,
                       "cancelUrl": start.cancel_url, "language": start.language if start.language in ("ro", "en")
                       else "ro"},
            "payment": {"options": {"installments": 0, "bonus": 0}, "instrument": None, "data": {}},
            "order": {
                "ntpID": "", "posSignature": self.cfg.netopia_pos_signature,
                "dateTime": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "description": start.description[:250], "orderID": start.reference,
                "amount": _number(start.amount), "currency": start.currency,
                "billing": {"email": start.email, "phone": "", "firstName": first[:50],
                            "lastName": (last or first)[:50], "city": "", "country": ROMANIA,
                            "countryName": "Romania", "state": "", "postalCode": "",
                            "details": ""},
                "products": [{"name": code, "code": code, "category": "hosting", "price": _number(amount), "vat": 0}
                             for code, amount in start.lines],
                "installments": {"selected": 0, "available": [0]},
                "data": {},
            },
        }
        data = self._post("/payment/card/start", payload)
        error = data.get("error") or {}
        payment = data.get("payment") or {}
        url = payment.get("paymentURL")
        if str(error.get("code")) != HOSTED_PAGE_CODE or not isinstance(url, str) or not url.startswith("https://"):
            raise GatewayUnavailable(str(error.get("code") or "no_page"),
                                     f"NETOPIA did not give a payment page: {error.get('message', '')}"[:300])
        expires = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=self.cfg.checkout_minutes)
        return StartedCheckout(provider_id=str(payment.get("ntpID") or start.reference), redirect_url=url,
                               expires_at=expires)

    def query_status(self, reference: str, provider_id: str | None) -> Notification | None:
        """Ask NETOPIA for a payment's status."""
        data = self._post("/operation/status", {"posID": self.cfg.netopia_pos_signature,
                                                "ntpID": provider_id or "", "orderID": reference})
        payment = data.get("payment") or {}
        return self._notification(reference, payment, event_id=f"query:{payment.get('ntpID')}")

    def refund(self, *, transaction_id: str, amount: Decimal, currency: str, idempotency_key: str) -> RefundResult:
        """Credit (refund) part or all of a paid NETOPIA payment."""
        try:
            data = self._post("/operation/credit", {"posID": self.cfg.netopia_pos_signature,
                                                    "ntpID": transaction_id, "amount": _number(amount)})
        except GatewayUnavailable as exc:
            raise RefundRefused(exc.code, str(exc)) from None
        error = data.get("error") or {}
        payment = data.get("payment") or {}
        if str(error.get("code")) not in OK_CODES or payment.get("status") != CREDIT_STATUS:
            raise RefundRefused(str(error.get("code") or "refused"), str(error.get("message") or "refused")[:200])
        credited = _money(payment.get("amount"))
        if credited is not None and credited != amount:
            raise RefundRefused("amount_mismatch", f"NETOPIA credited {credited}, not {amount}")
        return RefundResult(refund_id=f"{payment.get('ntpID') or transaction_id}:credit:{amount}")

    # -- IPN -------------------------------------------------------------------------------------
    def _public_key(self) -> RSAKey:
        pem = self.cfg.netopia_public_key.strip()
        if pem and not pem.startswith("-----") and os.path.exists(pem):
            with open(pem, encoding="ascii") as fh:
                pem = fh.read()
        try:
            return RSAKey.import_key(pem)
        except (ValueError, TypeError, JoseError):
            raise NotificationRejected("not_configured", "NETOPIA public key missing or unreadable") from None

    def parse_notification(self, headers: Mapping[str, str], body: bytes) -> Notification:
        """Verify the Verification-token JWT (RS512, issuer, audience, body hash, validity), then read the IPN."""
        token = headers.get("Verification-token") or headers.get("Verification-Token")
        if not token:
            raise NotificationRejected("no_signature", "Verification-token missing")
        try:
            decoded = jwt.decode(token, self._public_key(), algorithms=["RS512"])
            claims = decoded.claims
            jwt.JWTClaimsRegistry(iss={"essential": True, "value": ISSUER}).validate(claims)  # exp/nbf/iat too
        except (JoseError, ValueError):
            raise NotificationRejected("bad_signature", "Verification-token does not verify") from None
        audience = claims.get("aud")
        audience = audience if isinstance(audience, list) else [audience]
        if not self.cfg.netopia_pos_signature or self.cfg.netopia_pos_signature not in audience:
            raise NotificationRejected("bad_signature", "Verification-token is for another point of sale")
        digest = base64.b64encode(hashlib.sha512(body).digest()).decode("ascii")
        if claims.get("sub") != digest:
            raise NotificationRejected("bad_signature", "body does not match the Verification-token")
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise NotificationRejected("bad_body", "body is not JSON") from None
        order, payment = data.get("order") or {}, data.get("payment") or {}
        if not isinstance(order.get("orderID"), str) or not isinstance(payment, dict):
            raise NotificationRejected("bad_body", "orderID missing")
        event = f"{payment.get('ntpID')}:{payment.get('status')}:{claims.get('jti') or claims.get('iat')}"
        return self._notification(order["orderID"], payment, event_id=event)

    def _notification(self, reference: str, payment: Mapping[str, Any], *, event_id: str) -> Notification:
        code = payment.get("status")
        if code in PAID_STATUSES:
            status, reason = PAID, None
        elif code in FAILED_STATUSES:
            status, reason = FAILED, FAILED_STATUSES[code]
        elif code == EXPIRED_STATUS:
            status, reason = EXPIRED, "expired"
        else:
            status, reason = PENDING, None
        return Notification(reference=reference, status=status, amount=_money(payment.get("amount")),
                            currency=str(payment.get("currency") or "").upper() or None, event_id=event_id[:100],
                            provider_id=str(payment.get("ntpID") or "") or None,
                            transaction_id=str(payment.get("ntpID") or "") or None, reason=reason)

    def notification_answer(self, ok: bool, message: str = "") -> tuple[str, int, str]:
        """NETOPIA reads the JSON answer: errorType 0 accepted, 2 refused for good (never resend)."""
        body = {"errorType": 0, "errorCode": 0, "errorMessage": ""} if ok else \
            {"errorType": 2, "errorCode": 1, "errorMessage": message or "refused"}
        return json.dumps(body), 200, "application/json"
