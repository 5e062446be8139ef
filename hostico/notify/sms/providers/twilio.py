"""Twilio's Programmable Messaging API: POST /2010-04-01/Accounts/{AccountSid}/Messages.json.

The request is a form (To, From, Body) with HTTP basic auth (Account SID, Auth Token); success is
201 with the Message resource (its `sid`). Errors are JSON {"code", "message", "more_info", "status"}.
"""

from __future__ import annotations

import base64

from hostico.notify.errors import PermanentDeliveryError, TemporaryDeliveryError
from hostico.notify.sms.providers.base import (
    FormPoster,
    classify_http_failure,
    is_success,
    json_object,
    retry_after_seconds,
)

DEFAULT_URL = "https://api.twilio.com"
# Twilio error codes that no retry can fix: the number or the sender is wrong, or the recipient
# refuses messages (replied STOP).
PERMANENT_CODES = {
    21211: "invalid 'To' number", 21212: "invalid 'From' number", 21401: "invalid phone number",
    21407: "number type does not support SMS", 21408: "region not enabled", 21603: "'From' number required",
    21604: "'To' number required", 21606: "'From' cannot send SMS", 21608: "unverified number (trial)",
    21610: "recipient unsubscribed", 21612: "'To' unroutable", 21614: "'To' is not a mobile number",
    21617: "body too long",
}
TEMPORARY_CODES = {20429: "too many requests", 20003: "authentication failed (check the credentials)"}


class TwilioProvider:
    name = "twilio"

    def __init__(self, *, account_sid: str, auth_token: str, base_url: str = "", timeout: float = 10,
                 status_callback: str = "") -> None:
        if not account_sid or not auth_token:
            raise ValueError("twilio needs HOSTICO_SMS_ACCOUNT_SID and HOSTICO_SMS_API_KEY (the auth token)")
        self.account_sid = account_sid
        self.status_callback = status_callback  # where Twilio reports delivery (hostico/notify/sms/callbacks.py)
        url = f"{(base_url or DEFAULT_URL).rstrip('/')}/2010-04-01/Accounts/{account_sid}/Messages.json"
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self.http = FormPoster(self.name, url, timeout=timeout, headers={"Authorization": f"Basic {credentials}"})

    def send(self, *, to: str, sender: str, text: str) -> str:
        """Create a Message resource; return its sid."""
        data = {"To": to, "From": sender, "Body": text}
        if self.status_callback:
            data["StatusCallback"] = self.status_callback
        response = self.http.post(data)
        body = json_object(response)
        if response.status in (200, 201) and body.get("sid"):
            return str(body["sid"])
        code = body.get("code")
        known = PERMANENT_CODES.get(code) if isinstance(code, int) else None
        detail = f"{code} {body.get('message') or known or ''}".strip()
        if code in PERMANENT_CODES:
            raise PermanentDeliveryError(f"twilio: {detail}"[:500])
        if code in TEMPORARY_CODES:
            raise TemporaryDeliveryError(f"twilio: {detail}"[:500], retry_after=retry_after_seconds(response))
        if is_success(response):
            raise TemporaryDeliveryError("twilio: success without a message sid")
        raise classify_http_failure(self.name, response, detail)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.http.close()
