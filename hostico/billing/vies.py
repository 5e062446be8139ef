"""The VIES adapter: ask the EU's VAT Information Exchange System whether a VAT number is valid.

VIES's REST API (https://ec.europa.eu/taxation_customs/vies/rest-api): `POST {base}/check-vat-number`
with `{"countryCode": "DE", "vatNumber": "136695976", "requesterMemberStateCode": "RO",
"requesterNumber": "18547290"}` answers `valid`, `name`, `address`, `requestDate` and, because we say
who asks, a consultation number `requestIdentifier` (the proof the check was made that day). When a
member state cannot answer it says so in `userError` (`MS_UNAVAILABLE`, `TIMEOUT`,
`MS_MAX_CONCURRENT_REQ`, ...), or in an `errorWrappers` list with an HTTP error status.

The answer is three-valued: `valid`, `invalid` (VIES says the number is not registered, or not a
number), or `unavailable` (nothing known: keep Romanian VAT, ask again later). Only `valid` ever
allows reverse charge (taxes.tax_treatment).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from hostico.models.billing_profile import BuyerSnapshot, ViesSnapshot

log = logging.getLogger(__name__)

VALID, INVALID, PENDING = "valid", "invalid", "pending"
# userError values that say something about the number rather than about the service.
# (INVALID_REQUESTER_INFO is about us, the requester: not an answer about the number.)
NUMBER_ERRORS = frozenset({"INVALID", "INVALID_INPUT"})


@dataclass(frozen=True)
class ViesAnswer:
    """What VIES said about one VAT number, as kept with the buyer's data (`snapshot()`)."""

    vat_number: str  # with its country prefix, e.g. DE136695976
    status: str  # valid | invalid | pending (VIES unavailable: ask again)
    checked_at: str  # ISO 8601, UTC
    name: str | None = None
    address: str | None = None
    request_id: str | None = None  # VIES's consultation number
    request_date: str | None = None
    error: str | None = None  # VIES's userError or our reason when it did not answer

    @property
    def valid(self) -> bool | None:
        return {VALID: True, INVALID: False}.get(self.status)

    def snapshot(self) -> ViesSnapshot:
        """Return the answer as stored in a buyer snapshot and a billing profile (`vies`)."""
        return {"vat_number": self.vat_number, "status": self.status, "valid": self.valid, "name": self.name,
                "address": self.address, "request_id": self.request_id, "request_date": self.request_date,
                "checked_at": self.checked_at, "error": self.error}


def _now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def _clean(value: object) -> str | None:
    text = " ".join(str(value).split()) if value is not None else ""
    return text if text and text != "---" else None  # VIES says "---" when a state keeps the name secret


def split_number(vat_number: str) -> tuple[str, str]:
    """Return (VIES country code, digits) of a prefixed EU VAT number."""
    number = vat_number.replace(" ", "").upper()
    return number[:2], number[2:]


def requester_of(seller_cui: str) -> tuple[str, str] | None:
    """Return (member state, number) for the requester fields from the seller's CUI ("RO18547290")."""
    digits = "".join(ch for ch in (seller_cui or "") if ch.isdigit())
    return ("RO", digits) if digits else None


def check_vat(base_url: str, vat_number: str, *, requester: tuple[str, str] | None = None,
              timeout: float = 10.0) -> ViesAnswer:
    """Ask VIES about `vat_number`; never raises: a service that does not answer gives `pending`."""
    number = vat_number.replace(" ", "").upper()
    checked_at = _now()
    if not base_url:
        return ViesAnswer(number, PENDING, checked_at, error="NOT_CONFIGURED")
    country, digits = split_number(number)
    body = {"countryCode": country, "vatNumber": digits}
    if requester:
        body.update(requesterMemberStateCode=requester[0], requesterNumber=requester[1])
    try:
        response = httpx.post(base_url.rstrip("/") + "/check-vat-number", json=body,
                              timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
                              headers={"Accept": "application/json"})
    except httpx.TimeoutException:
        log.warning("VIES did not answer in %ss for %s", timeout, number)
        return ViesAnswer(number, PENDING, checked_at, error="TIMEOUT")
    except httpx.HTTPError as exc:
        log.warning("VIES unreachable for %s: %s", number, exc)
        return ViesAnswer(number, PENDING, checked_at, error="SERVICE_UNAVAILABLE")
    try:
        data = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return ViesAnswer(number, PENDING, checked_at, error=f"HTTP_{response.status_code}")
    errors = [w.get("error") for w in data.get("errorWrappers") or [] if isinstance(w, dict)]
    user_error = data.get("userError") or (errors[0] if errors else None)
    if data.get("valid") is True and response.status_code == 200:
        return ViesAnswer(number, VALID, checked_at, name=_clean(data.get("name")),
                          address=_clean(data.get("address")), request_id=_clean(data.get("requestIdentifier")),
                          request_date=_clean(data.get("requestDate")))
    if user_error in NUMBER_ERRORS or (response.status_code == 200 and data.get("valid") is False
                                       and not user_error):
        return ViesAnswer(number, INVALID, checked_at, request_id=_clean(data.get("requestIdentifier")),
                          request_date=_clean(data.get("requestDate")), error=user_error or "INVALID")
    return ViesAnswer(number, PENDING, checked_at, error=str(user_error or f"HTTP_{response.status_code}"))


def needs_check(buyer: BuyerSnapshot) -> bool:
    """True when the buyer is a business of another EU state with a VAT number (reverse charge if valid)."""
    from hostico.billing.taxes import EU_COUNTRIES

    country = (buyer.get("country") or "RO").upper()
    return (buyer.get("kind") == "company" and bool(buyer.get("vat_number")) and country != "RO"
            and country in EU_COUNTRIES)


def still_applies(buyer: BuyerSnapshot, answer: Mapping[str, Any] | None) -> bool:
    """True when a stored answer is about the buyer's current VAT number."""
    number = (buyer.get("vat_number") or "").replace(" ", "").upper()
    return answer is not None and bool(answer) and answer.get("vat_number") == number
