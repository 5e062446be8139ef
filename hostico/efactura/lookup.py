"""ANAF's public registry of taxpayers (PlatitorTvaRest v9): a company's name, address and VAT status by CUI.

`POST {HOSTICO_ANAF_PUBLIC_URL}/api/PlatitorTvaRest/v9/tva` with `[{"cui": 123, "data": "YYYY-MM-DD"}]`
answers `{"cod": 200, "message": "SUCCESS", "found": [{"date_generale": {...}, "inregistrare_scop_Tva":
{"scpTVA": bool}, "stare_inactiv": {"statusInactivi": bool}, "adresa_sediu_social": {...}}], "notFound":
[123]}`. ANAF allows one request a second: the adapter waits its turn (in this process) and keeps every
answer for a day, so typing a CUI twice asks ANAF once. Any failure is a typed LookupFailed: the form
it fills stays usable.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx

from hostico.efactura import counties

PATH = "/api/PlatitorTvaRest/v9/tva"


@dataclass(frozen=True)
class Company:
    """What the registry says about one CUI, shaped like the billing form's fields."""

    cui: str
    name: str
    reg_com: str
    street: str
    city: str  # SECTORn in Bucharest
    county: str | None  # RO-XX
    postal_code: str
    vat_registered: bool
    inactive: bool
    e_factura: bool

    @property
    def vat_number(self) -> str | None:
        return f"RO{self.cui}" if self.vat_registered else None


class LookupFailed(Exception):
    """The registry did not answer usefully; code: 'invalid' | 'not_found' | 'unavailable' | 'busy'."""

    def __init__(self, code: str, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code


def normalise_cui(value: str | None) -> str | None:
    """Return the CUI's digits ('RO 18547290' -> '18547290'), or None when it cannot be one."""
    digits = re.sub(r"^\s*RO", "", (value or "").strip(), flags=re.IGNORECASE).replace(" ", "")
    return digits if re.fullmatch(r"\d{2,10}", digits) else None


def _street(address: dict[str, Any]) -> str:
    street = " ".join((address.get("sdenumire_Strada") or "").split())
    number = (address.get("snumar_Strada") or "").strip()
    details = " ".join((address.get("sdetalii_Adresa") or "").split())
    text = f"{street} nr. {number}" if street and number else street
    return ", ".join(part for part in (text, details) if part)


def _company(item: dict[str, Any]) -> Company:
    general = item.get("date_generale") or {}
    seat = item.get("adresa_sediu_social") or {}
    county_code = None
    auto = (seat.get("scod_JudetAuto") or "").strip().upper()
    if auto:
        county_code = counties.to_code(auto)
    county_code = county_code or counties.to_code(seat.get("sdenumire_Judet"))
    city = " ".join((seat.get("sdenumire_Localitate") or "").split())
    if county_code == counties.BUCHAREST:
        city = counties.sector_of(city, general.get("adresa")) or city
    return Company(
        cui=str(general.get("cui") or "").strip(),
        name=" ".join((general.get("denumire") or "").split()),
        reg_com=(general.get("nrRegCom") or "").strip(),
        street=_street(seat) or (general.get("adresa") or "").strip(),
        city=city,
        county=county_code,
        postal_code=(seat.get("scod_Postal") or general.get("codPostal") or "").strip(),
        vat_registered=bool((item.get("inregistrare_scop_Tva") or {}).get("scpTVA")),
        inactive=bool((item.get("stare_inactiv") or {}).get("statusInactivi")),
        e_factura=bool(general.get("statusRO_e_Factura")),
    )


class Registry:
    """The adapter: one POST per CUI at most once a second, answers cached for `ttl` seconds."""

    def __init__(self, base_url: str, *, timeout: float = 5.0, min_interval: float = 1.0, ttl: float = 86400,
                 max_wait: float = 3.0, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep, transport: httpx.BaseTransport | None = None):
        self.url = base_url.rstrip("/") + PATH
        self.timeout, self.min_interval, self.ttl, self.max_wait = timeout, min_interval, ttl, max_wait
        self.clock, self.sleep, self.transport = clock, sleep, transport
        self._lock = threading.Lock()
        self._next_slot = 0.0
        self._cache: dict[str, tuple[float, Company | None]] = {}
        self.requests = 0

    def _cached(self, cui: str) -> tuple[bool, Company | None]:
        hit = self._cache.get(cui)
        if hit and self.clock() - hit[0] < self.ttl:
            return True, hit[1]
        return False, None

    def _wait_turn(self) -> None:
        with self._lock:
            now = self.clock()
            wait = self._next_slot - now
            if wait > self.max_wait:
                raise LookupFailed("busy", "too many lookups queued")
            self._next_slot = max(now, self._next_slot) + self.min_interval
        if wait > 0:
            self.sleep(wait)

    def lookup(self, cui: str, on: dt.date | None = None) -> Company:
        """Return the company registered under this CUI (raises LookupFailed)."""
        digits = normalise_cui(cui)
        if digits is None:
            raise LookupFailed("invalid")
        found, company = self._cached(digits)
        if not found:
            company = self._ask(digits, on or dt.date.today())
            self._cache[digits] = (self.clock(), company)
        if company is None:
            raise LookupFailed("not_found")
        return company

    def _ask(self, digits: str, on: dt.date) -> Company | None:
        self._wait_turn()
        self.requests += 1
        try:
            with httpx.Client(timeout=self.timeout, transport=self.transport) as http:
                response = http.post(self.url, json=[{"cui": int(digits), "data": on.isoformat()}])
        except httpx.HTTPError as exc:
            raise LookupFailed("unavailable", type(exc).__name__) from exc
        if response.status_code != 200:
            raise LookupFailed("unavailable", f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as exc:
            raise LookupFailed("unavailable", "not JSON") from exc
        if not isinstance(body, dict) or body.get("cod") != 200:
            raise LookupFailed("unavailable", str(body.get("message") if isinstance(body, dict) else body)[:100])
        for item in body.get("found") or []:
            if str((item.get("date_generale") or {}).get("cui")) == digits:
                return _company(item)
        return None


_registries: dict[str, Registry] = {}
_registries_lock = threading.Lock()


def registry_for(base_url: str, timeout: float = 5.0) -> Registry:
    """Return the process-wide adapter for this base URL (so its throttle and cache are shared)."""
    with _registries_lock:
        if base_url not in _registries:
            _registries[base_url] = Registry(base_url, timeout=timeout)
        return _registries[base_url]
