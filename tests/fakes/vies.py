"""A local stand-in for the EU's VIES REST API (POST {base}/check-vat-number), for tests.

It answers as VIES documents: `valid`, `name`, `address`, `requestDate`, `requestIdentifier` (given
when the requester is named) and `userError` ("VALID", "INVALID", "MS_UNAVAILABLE", ...); a service
error as an HTTP 500 with `errorWrappers`; and it can be slow. What it says about a number is set in
`answers` (full number with prefix -> behaviour), `default` for the rest:

- "valid" / "invalid": the number is / is not registered;
- "MS_UNAVAILABLE", "TIMEOUT", "MS_MAX_CONCURRENT_REQ": the member state cannot answer (HTTP 200, userError);
- "SERVICE_UNAVAILABLE": VIES itself is down (HTTP 500 with errorWrappers);
- "slow": answers valid after `delay` seconds (longer than the client's timeout).
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time

from tests.fakes.local_http import FakeHandler, LocalServer

NAMES = {"DE136695976": ("Berliner Hosting GmbH", "Hauptstraße 1\n10115 Berlin")}


class FakeVies:
    """Serve VIES's check-vat-number on 127.0.0.1; `requests` keeps every JSON body received."""

    def __init__(self) -> None:
        self.reset()
        fake = self
        ids = itertools.count(1)

        class Handler(FakeHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    body = {}
                fake.requests.append(body)
                if self.path.rstrip("/") != "/rest-api/check-vat-number":
                    return self.send_json(404, {"actionSucceed": False, "errorWrappers": [{"error": "NOT_FOUND"}]})
                number = f"{body.get('countryCode', '')}{body.get('vatNumber', '')}"
                behaviour = fake.answers.get(number, fake.default)
                if not body.get("countryCode") or not body.get("vatNumber"):
                    behaviour = "INVALID_INPUT"
                if behaviour == "slow":
                    time.sleep(fake.delay)
                    behaviour = "valid"
                now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
                answer = {"countryCode": body.get("countryCode"), "vatNumber": body.get("vatNumber"),
                          "requestDate": now, "valid": False, "name": "---", "address": "---"}
                if behaviour == "SERVICE_UNAVAILABLE":
                    return self.send_json(500, {"actionSucceed": False,
                                            "errorWrappers": [{"error": "SERVICE_UNAVAILABLE",
                                                               "message": "try again later"}]})
                if body.get("requesterNumber") and behaviour in ("valid", "invalid"):
                    answer["requestIdentifier"] = f"WAPIAAAAZ{next(ids):010d}"
                if behaviour == "valid":
                    name, address = NAMES.get(number, ("Example Business", "Example Street 1"))
                    answer.update(valid=True, name=name, address=address, userError="VALID")
                elif behaviour == "invalid":
                    answer.update(userError="INVALID")
                else:
                    answer.update(userError=behaviour)
                return self.send_json(200, answer)

        self.local = LocalServer(Handler)
        self.url = f"{self.local.base}/rest-api"

    def reset(self) -> None:
        """Every number valid, answered at once; forget the requests."""
        self.answers: dict[str, str] = {}
        self.default = "valid"
        self.delay = 3.0
        self.requests: list[dict] = []

    def close(self) -> None:
        self.local.close()
