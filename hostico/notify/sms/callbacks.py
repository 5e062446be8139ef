"""The providers' status callbacks (docs/sms.md, Delivery receipts), as their documentation describes them.

- Twilio: each message is created with `StatusCallback` = `HOSTICO_BASE_URL/hooks/sms/twilio`; Twilio POSTs a
  form (`MessageSid`, `MessageStatus`, `ErrorCode`, `AccountSid`, ...) signed in `X-Twilio-Signature`:
  base64(HMAC-SHA1(auth token, the URL + every POST parameter's name and value, sorted by name)).
- SMSO: each message is sent with `webhook_status` = `HOSTICO_BASE_URL/hooks/sms/smso?token=…`; SMSO POSTs a
  form (`uuid`, `status`, `sent_at`, `delivered_at` in UTC, receiver number, MCC, MNC) and signs nothing, so the
  URL carries a token only Hostico knows (derived from HOSTICO_SECRET_KEY), compared in constant time.

States: Twilio `sent` / `delivered` / `undelivered` / `failed` (queued, sending, accepted: nothing to record);
SMSO `sent` / `delivered` / `undelivered` / `expired` (= undelivered) / `error` (= failed) (dispatched: nothing).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable

from hostico.notify.receipts import DELIVERED, FAILED, SENT, UNDELIVERED, Receipt, ReceiptRejected

PROVIDERS = ("twilio", "smso")
CALLBACK_PATH = "/hooks/sms/"
TWILIO_STATES = {"sent": SENT, "delivered": DELIVERED, "undelivered": UNDELIVERED, "failed": FAILED}
SMSO_STATES = {"sent": SENT, "delivered": DELIVERED, "undelivered": UNDELIVERED, "expired": UNDELIVERED,
               "error": FAILED}
SMSO_TIME = "%Y-%m-%d %H:%M:%S"


def smso_token(secret_key: str) -> str:
    """The token in SMSO's callback URL: derived from the app's secret key, never stored."""
    return hmac.new(secret_key.encode(), b"hostico sms receipts: smso", hashlib.sha256).hexdigest()[:40]


def callback_url(base_url: str, provider: str, secret_key: str) -> str:
    """The status-callback URL a provider is given with each SMS."""
    url = base_url.rstrip("/") + CALLBACK_PATH + provider
    return f"{url}?token={smso_token(secret_key)}" if provider == "smso" else url


def twilio_signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """Twilio's X-Twilio-Signature of a POST: the URL, then each parameter's name and value sorted by name."""
    data = url + "".join(name + value for name, value in sorted(params, key=lambda kv: kv[0]))
    return base64.b64encode(hmac.new(auth_token.encode(), data.encode(), hashlib.sha1).digest()).decode()


def parse_twilio(*, url: str, params: list[tuple[str, str]], signature: str, auth_token: str,
                 account_sid: str) -> Receipt | None:
    """Check a Twilio status callback and return its receipt (None for a state with nothing to record)."""
    if not auth_token or not signature or not hmac.compare_digest(
            twilio_signature(auth_token, url, params).encode(), signature.encode()):
        raise ReceiptRejected("bad X-Twilio-Signature")
    form = dict(params)
    if account_sid and form.get("AccountSid") != account_sid:
        raise ReceiptRejected("another account's callback")
    sid, status = form.get("MessageSid") or form.get("SmsSid"), (form.get("MessageStatus") or "").lower()
    if not sid or not status:
        raise ReceiptRejected("not a status callback")
    state = TWILIO_STATES.get(status)
    if state is None:
        return None
    return Receipt("twilio", sid, state, code=form.get("ErrorCode") or None)


def parse_smso(*, params: list[tuple[str, str]], token: str, secret_key: str) -> Receipt | None:
    """Check an SMSO status callback (the URL's token) and return its receipt (None: nothing to record)."""
    if not secret_key or not token or not hmac.compare_digest(smso_token(secret_key).encode(), token.encode()):
        raise ReceiptRejected("bad token")
    form = dict(params)
    uuid, status = form.get("uuid"), (form.get("status") or "").lower()
    if not uuid or not status:
        raise ReceiptRejected("not a status callback")
    state = SMSO_STATES.get(status)
    if state is None:
        return None
    at = _smso_time(form.get("delivered_at")) or _smso_time(form.get("sent_at"))
    return Receipt("smso", uuid, state, code=status if state in (FAILED, UNDELIVERED) else None, at=at)


def _smso_time(value: str | None) -> dt.datetime | None:
    try:
        return dt.datetime.strptime((value or "").strip(), SMSO_TIME).replace(tzinfo=dt.UTC)
    except ValueError:
        return None
