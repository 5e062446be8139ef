"""The adapter to ANAF's e-Factura REST API (SPV): upload, uploadb2c, stareMesaj, descarcare, listaMesajeFactura.

SPV answers most failures with HTTP 200 and an error inside the body, in each endpoint's own format:
upload → `<header ExecutionStatus="1"><Errors errorMessage=…/></header>`; stareMesaj → `<Errors>`;
descarcare and listaMesajeFactura → JSON `{"eroare": …, "titlu": …}`. Every answer goes through the
readers below, never through the HTTP status alone.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
from lxml import etree

from hostico.efactura.errors import AnafAuthError, AnafError, AnafRefused, AnafTemporaryError
from hostico.efactura.ratelimit import RateLimiter, shared_limiter
from hostico.efactura.settings import EfacturaSettings

NO_MESSAGES = "Nu exista mesaje"  # listaMesajeFactura's "nothing in that window": an empty list, not an error
# HTTP statuses that say SPV did not take the request in (retry without fear of a duplicate).
NOT_TAKEN = (408, 425, 429, 503)
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)


@dataclass(frozen=True)
class StatusAnswer:
    """stareMesaj: `in prelucrare`, `ok`, `nok` or `XML cu erori nepreluat de sistem`."""

    stare: str
    download_id: str | None = None

    @property
    def processing(self) -> bool:
        return self.stare == "in prelucrare"

    @property
    def verdict(self) -> str | None:
        """ok or nok once SPV decided (an XML it could not take is a nok too)."""
        if self.stare == "ok":
            return "ok"
        if self.processing:
            return None
        return "nok"


@dataclass(frozen=True)
class SpvMessage:
    """One entry of listaMesajeFactura."""

    id: str
    upload_index: str
    kind: str  # tip: FACTURA TRIMISA, ERORI FACTURA, FACTURA PRIMITA, MESAJ CUMPARATOR ...
    cif: str
    created: str
    details: str


@dataclass
class ArchivedZip:
    """What a descarcare ZIP holds: the signed original (ok) or ANAF's error list (nok)."""

    content: bytes
    files: dict[str, bytes] = field(default_factory=dict)

    @classmethod
    def read(cls, content: bytes) -> ArchivedZip:
        with zipfile.ZipFile(io.BytesIO(content)) as zf:
            return cls(content, {name: zf.read(name) for name in zf.namelist()})

    def errors(self) -> list[str]:
        """ANAF's error messages, from the error list in a nok ZIP."""
        out = []
        for name, data in self.files.items():
            if name.startswith("semnatura_") or not name.endswith(".xml"):
                continue
            try:
                root = etree.fromstring(data, _PARSER)
            except etree.XMLSyntaxError:
                continue
            out += [e.get("errorMessage", "") for e in root.iter() if etree.QName(e).localname == "Error"]
        return [m for m in out if m]

    def invoice_xml(self) -> bytes | None:
        """The original document in an ok ZIP (the file that is not the signature)."""
        for name, data in self.files.items():
            if name.endswith(".xml") and not name.startswith("semnatura_"):
                return data
        return None


def _local(tag: object) -> str:
    return etree.QName(tag).localname if isinstance(tag, str) else ""


def _xml(response: httpx.Response, what: str) -> etree._Element:
    try:
        return etree.fromstring(response.content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise AnafTemporaryError("bad_answer", f"{what}: not XML (HTTP {response.status_code})") from exc


def _xml_errors(root: etree._Element) -> list[str]:
    return [e.get("errorMessage", "") for e in root.iter() if _local(e.tag) == "Errors"]


def _json(response: httpx.Response, what: str) -> dict[str, Any]:
    try:
        data = json.loads(response.content)
    except ValueError as exc:
        raise AnafTemporaryError("bad_answer", f"{what}: not JSON (HTTP {response.status_code})") from exc
    if not isinstance(data, dict):
        raise AnafTemporaryError("bad_answer", f"{what}: unexpected JSON")
    return data


class SpvClient:
    """One small adapter for every SPV call, with timeouts, the request limit and token refresh on 401."""

    def __init__(self, settings: EfacturaSettings, token: Callable[[bool], str], *,
                 transport: httpx.BaseTransport | None = None, limiter: RateLimiter | None = None) -> None:
        self.settings = settings
        self._token = token  # token(force_refresh) -> access token
        self._limiter = limiter or shared_limiter(settings.requests_per_minute)
        self._http = httpx.Client(base_url=settings.rest_base, timeout=settings.timeout, transport=transport)
        self.requests = 0

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> SpvClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transport ---------------------------------------------------------------------------------
    def _send(self, method: str, path: str, *, ambiguous: bool = False, **kwargs: Any) -> httpx.Response:
        """Send with a bearer token; on 401 refresh once and send again; classify transport failures."""
        for attempt in (0, 1):
            self._limiter.acquire()
            self.requests += 1
            headers = {"Authorization": f"Bearer {self._token(attempt == 1)}", **kwargs.pop("headers", {})}
            try:
                response = self._http.request(method, path, headers=headers, **kwargs)
            except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
                raise AnafTemporaryError("unreachable", f"SPV {path}: {type(exc).__name__}") from exc
            except httpx.TransportError as exc:
                # Sent, but the answer never came: SPV may have acted on it.
                raise AnafTemporaryError("no_answer", f"SPV {path}: {type(exc).__name__}",
                                         ambiguous=ambiguous) from exc
            if response.status_code == 401 and attempt == 0:
                continue
            if response.status_code in (401, 403):
                raise AnafAuthError("unauthorized", f"SPV {path}: HTTP {response.status_code} after a token refresh")
            if response.status_code in NOT_TAKEN:
                raise AnafTemporaryError("busy", f"SPV {path}: HTTP {response.status_code}",
                                         retry_after=_retry_after(response))
            if response.status_code >= 500:
                raise AnafTemporaryError("server_error", f"SPV {path}: HTTP {response.status_code}",
                                         ambiguous=ambiguous)
            if response.status_code >= 400:
                raise AnafRefused("http_error", f"SPV {path}: HTTP {response.status_code}: {response.text[:300]}")
            return response
        raise AssertionError("unreachable")  # pragma: no cover

    # -- the API -------------------------------------------------------------------------------------
    def upload(self, xml: bytes, *, b2c: bool = False, standard: str = "UBL", extern: bool = False) -> str:
        """Upload a document (`upload` for businesses, `uploadb2c` for consumers); return its index_incarcare."""
        params = {"standard": standard, "cif": self.settings.cif_digits}
        if extern:
            params["extern"] = "DA"
        path = "/uploadb2c" if b2c else "/upload"
        response = self._send("POST", path, params=params, content=xml, ambiguous=True,
                              headers={"Content-Type": "text/plain"})
        root = _xml(response, path)
        index = root.get("index_incarcare")
        if root.get("ExecutionStatus") == "0" and index:
            return index
        errors = _xml_errors(root)
        raise AnafRefused("upload_refused", "; ".join(errors) or "ExecutionStatus=1", errors=errors)

    def status(self, upload_index: str) -> StatusAnswer:
        """Ask stareMesaj how an upload is doing."""
        root = _xml(self._send("GET", "/stareMesaj", params={"id_incarcare": upload_index}), "stareMesaj")
        errors = _xml_errors(root)
        if errors:
            raise AnafRefused("status_refused", "; ".join(errors), errors=errors)
        stare = root.get("stare")
        if not stare:
            raise AnafTemporaryError("bad_answer", "stareMesaj: no stare")
        return StatusAnswer(stare.strip(), root.get("id_descarcare"))

    def download(self, download_id: str) -> ArchivedZip:
        """Download a message's ZIP (descarcare)."""
        response = self._send("GET", "/descarcare", params={"id": download_id})
        if response.content[:2] == b"PK":
            try:
                return ArchivedZip.read(response.content)
            except zipfile.BadZipFile as exc:
                raise AnafTemporaryError("bad_answer", "descarcare: a broken ZIP") from exc
        data = _json(response, "descarcare")
        raise AnafRefused("download_refused", str(data.get("eroare") or data), errors=[str(data.get("eroare"))])

    def messages(self, days: int, *, filtru: str | None = None) -> list[SpvMessage]:
        """List SPV's messages of the last `days` days (1-60) for the seller's CIF (listaMesajeFactura)."""
        params = {"zile": max(1, min(60, days)), "cif": self.settings.cif_digits}
        if filtru:
            params["filtru"] = filtru
        data = _json(self._send("GET", "/listaMesajeFactura", params=params), "listaMesajeFactura")
        if "eroare" in data:
            if str(data["eroare"]).startswith(NO_MESSAGES):
                return []
            raise AnafRefused("list_refused", str(data["eroare"]), errors=[str(data["eroare"])])
        return [
            SpvMessage(id=str(m.get("id") or ""), upload_index=str(m.get("id_solicitare") or ""),
                       kind=str(m.get("tip") or "").strip(), cif=str(m.get("cif") or ""),
                       created=str(m.get("data_creare") or ""), details=str(m.get("detalii") or ""))
            for m in data.get("mesaje") or []
        ]


def _retry_after(response: httpx.Response) -> float | None:
    try:
        return max(0.0, float(response.headers["Retry-After"]))
    except (KeyError, ValueError):
        return None


__all__ = ["AnafError", "ArchivedZip", "SpvClient", "SpvMessage", "StatusAnswer"]
