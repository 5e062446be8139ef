"""SMSO.ro's HTTP API: POST /api/v1/send with the X-Authorization API key header.

The form fields are `to` (E.164), `sender` (the id of a sender registered in the SMSO account) and
`body`; success answers {"status": 200, "responseToken": "..."}. Documented failures: 400 (invalid
request, e.g. the number), 401 (wrong API key), 402 (not enough credit).
"""

from __future__ import annotations

from hostico.notify.errors import PermanentDeliveryError, TemporaryDeliveryError
from hostico.notify.sms.providers.base import FormPoster, classify_http_failure, is_success, json_object

DEFAULT_URL = "https://app.smso.ro"


class SmsoProvider:
    name = "smso"

    def __init__(self, *, api_key: str, sender_id: str, base_url: str = "", timeout: float = 10,
                 status_callback: str = "") -> None:
        if not api_key or not sender_id:
            raise ValueError("smso needs HOSTICO_SMS_API_KEY and HOSTICO_SMS_SENDER_ID (the registered sender's id)")
        self.sender_id = sender_id
        self.status_callback = status_callback  # `webhook_status`: where SMSO reports delivery
        self.http = FormPoster(self.name, f"{(base_url or DEFAULT_URL).rstrip('/')}/api/v1/send", timeout=timeout,
                               headers={"X-Authorization": api_key, "Accept": "application/json"})

    def send(self, *, to: str, sender: str, text: str) -> str:
        """Send through SMSO; return its response token. `sender` is shown, the registered id is sent."""
        data = {"to": to, "sender": self.sender_id, "body": text}
        if self.status_callback:
            data["webhook_status"] = self.status_callback
        response = self.http.post(data)
        body = json_object(response)
        if is_success(response) and body.get("responseToken"):
            return str(body["responseToken"])
        detail = str(body.get("message") or body.get("errors") or response.reason)
        if response.status in (401, 402):
            # A wrong key or an empty account is fixed by the operator, not by the message: keep it.
            raise TemporaryDeliveryError(f"smso: HTTP {response.status}: {detail}"[:500])
        if response.status == 400:
            raise PermanentDeliveryError(f"smso: HTTP 400: {detail}"[:500])
        if is_success(response):
            raise TemporaryDeliveryError("smso: success without a response token")
        raise classify_http_failure(self.name, response, detail)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self.http.close()
