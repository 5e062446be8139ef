"""A stand-in for SPV that answers like ANAF (HOSTICO_EFACTURA=simulate, and the tests' fake server).

It validates what it receives (well-formed XML, then the CIUS-RO rules through `validate`), registers
it under an index_incarcare, answers stareMesaj `in prelucrare` on the first query and then `ok`/`nok`,
serves the ZIP (original + a signature file, or ANAF's error list) and lists the messages. Its state
lives in memory, and in a JSON file when given one, so `make run` survives a restart.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import threading
import zipfile
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import quoteattr

import httpx
from lxml import etree

UPLOAD_NS = "mfp:anaf:dgti:spv:respUploadFisier:v1"
STATUS_NS = "mfp:anaf:dgti:efactura:stareMesajFactura:v1"
ERRORS_NS = "mfp:anaf:dgti:efactura:raspunsErori:v1"
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True)

Answer = tuple[int, str, bytes]  # status, content type, body


def _default_validator(xml: bytes) -> list[str]:
    """The CIUS-RO checks efactura-docs wrote, as ANAF's validator would report them."""
    from hostico.efactura.validate import validate_document

    return [f"{getattr(f, 'rule', '')}: {getattr(f, 'message', f)}".strip(": ") for f in validate_document(xml)]


class SpvSimulator:
    """SPV's upload / stareMesaj / descarcare / listaMesajeFactura, answered from memory."""

    def __init__(self, path: str | None = None, *, validator: Callable[[bytes], list[str]] | None = None,
                 processing_polls: int = 1, first_index: int = 5_000_000_001) -> None:
        self.path, self.validator, self.processing_polls = path, validator or _default_validator, processing_polls
        self._lock = threading.Lock()
        self.messages: dict[str, dict[str, Any]] = {}
        self.next_index = first_index
        self._mtime: float | None = None
        self._load()

    def _load(self) -> None:
        """Read the state file when another process (the CLI, a worker) changed it."""
        if not (self.path and os.path.exists(self.path)):
            return
        mtime = os.path.getmtime(self.path)
        if mtime == self._mtime:
            return
        with open(self.path, encoding="utf-8") as fh:
            saved = json.load(fh)
        self.messages, self.next_index, self._mtime = saved["messages"], saved["next_index"], mtime

    def _save(self) -> None:
        if not self.path:
            return
        os.makedirs(os.path.dirname(os.path.abspath(self.path)), exist_ok=True)
        tmp = self.path + ".tmp"
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump({"messages": self.messages, "next_index": self.next_index}, fh)
        os.replace(tmp, self.path)
        self._mtime = os.path.getmtime(self.path)

    # -- the endpoints -----------------------------------------------------------------------------
    def handle(self, method: str, path: str, query: dict[str, str], body: bytes) -> Answer:
        """Answer one request to /{test|prod}/FCTEL/rest/<endpoint>."""
        endpoint = path.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            self._load()
            if method == "POST" and endpoint in ("upload", "uploadb2c"):
                return self._upload(endpoint, query, body)
            if method == "GET" and endpoint == "stareMesaj":
                return self._status(query)
            if method == "GET" and endpoint == "descarcare":
                return self._download(query)
            if method == "GET" and endpoint == "listaMesajeFactura":
                return self._list(query)
        return 404, "application/json", b'{"status":404,"error":"Not Found"}'

    def _upload(self, endpoint: str, query: dict[str, str], body: bytes) -> Answer:
        stamp = dt.datetime.now().strftime("%Y%m%d%H%M")

        def refused(message: str) -> Answer:
            xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<header xmlns="{UPLOAD_NS}" '
                   f'dateResponse="{stamp}" ExecutionStatus="1"><Errors errorMessage={quoteattr(message)}/></header>')
            return 200, "application/xml", xml.encode()

        if query.get("standard") not in ("UBL", "CN", "CII", "RASP"):
            return refused("Valorile acceptate pentru parametrul standard sunt UBL, CN, CII sau RASP")
        cif = query.get("cif", "")
        if not cif.isdigit():
            return refused(f"CIF introdus= {cif} nu este un numar")
        try:
            root = etree.fromstring(body, _PARSER)
        except etree.XMLSyntaxError as exc:
            return refused(f"Fisierul transmis nu este valid. {exc}")
        errors = list(self.validator(body))
        index = str(self.next_index)
        self.next_index += 2  # ANAF's download ids are other numbers: keep the two apart
        ns = {"cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}
        self.messages[index] = {
            "cif": cif, "endpoint": endpoint, "extern": query.get("extern") == "DA", "standard": query["standard"],
            "xml": body.decode("utf-8", "replace"), "errors": errors, "polls": 0,
            "download_id": str(int(index) + 1), "created": stamp,
            "number": root.findtext("cbc:ID", namespaces=ns) or "",
            "buyer": _buyer_id(root),
        }
        self._save()
        xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<header xmlns="{UPLOAD_NS}" '
               f'dateResponse="{stamp}" ExecutionStatus="0" index_incarcare="{index}"/>')
        return 200, "application/xml", xml.encode()

    def _status(self, query: dict[str, str]) -> Answer:
        index = query.get("id_incarcare", "")
        msg = self.messages.get(index)
        if msg is None:
            body = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<header xmlns="{STATUS_NS}">'
                    f'<Errors errorMessage="Nu aveti dreptul de inteorgare pentru id_incarcare= {index}"/></header>')
            return 200, "application/xml", body.encode()
        msg["polls"] += 1
        self._save()
        if msg["polls"] <= self.processing_polls:
            attrs = 'stare="in prelucrare"'
        else:
            attrs = f'stare="{"nok" if msg["errors"] else "ok"}" id_descarcare="{msg["download_id"]}"'
        body = f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<header xmlns="{STATUS_NS}" {attrs}/>'
        return 200, "application/xml", body.encode()

    def _by_download_id(self, download_id: str) -> tuple[str, dict[str, Any]] | None:
        for index, msg in self.messages.items():
            if msg["download_id"] == download_id:
                return index, msg
        return None

    def _download(self, query: dict[str, str]) -> Answer:
        found = self._by_download_id(query.get("id", ""))
        if found is None:
            body = {"eroare": f"Pentru id={query.get('id', '')} nu exista inregistrata nici o factura",
                    "titlu": "Descarcare mesaj"}
            return 200, "application/json", json.dumps(body).encode()
        index, msg = found
        return 200, "application/zip", self.zip_for(index, msg)

    def zip_for(self, index: str, msg: dict[str, Any]) -> bytes:
        """The ZIP SPV serves: the original and its signature, or the error list and its signature."""
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            if msg["errors"]:
                errors = "".join(f"<Error errorMessage={quoteattr(e)}/>" for e in msg["errors"])
                zf.writestr(f"{index}.xml", f'<?xml version="1.0" encoding="UTF-8"?>\n<header xmlns="{ERRORS_NS}" '
                                            f'Index_incarcare="{index}" Cif_emitent="{msg["cif"]}">{errors}</header>')
            else:
                zf.writestr(f"{index}.xml", msg["xml"])
            zf.writestr(f"semnatura_{index}.xml",
                        '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignatureValue>'
                        'SIMULATED</SignatureValue></Signature>')
        return buf.getvalue()

    def _list(self, query: dict[str, str]) -> Answer:
        days = int(query.get("zile") or 0)
        if not 1 <= days <= 60:
            body: dict[str, Any] = {"eroare": "Numarul de zile trebuie sa fie intre 1 si 60", "titlu": "Lista Mesaje"}
            return 200, "application/json", json.dumps(body).encode()
        cif = query.get("cif", "")
        rows = []
        for index, msg in self.messages.items():
            if msg["cif"] != cif:
                continue
            row = {"data_creare": msg["created"], "cif": cif, "id_solicitare": index, "id": msg["download_id"]}
            if msg["errors"]:
                row.update(detalii=f"Erori de validare identificate la factura primita cu id_incarcare={index}",
                           tip="ERORI FACTURA")
            else:
                row.update(detalii=f"Factura cu id_incarcare={index} emisa de cif_emitent={cif} pentru "
                                   f"cif_beneficiar={msg['buyer']}", tip="FACTURA TRIMISA")
            rows.append(row)
        if query.get("filtru") == "T":
            rows = [r for r in rows if r["tip"] == "FACTURA TRIMISA"]
        elif query.get("filtru") == "E":
            rows = [r for r in rows if r["tip"] == "ERORI FACTURA"]
        if not rows:
            body = {"eroare": f"Nu exista mesaje in ultimele {days} zile", "titlu": "Lista Mesaje"}
            return 200, "application/json", json.dumps(body).encode()
        body = {"mesaje": rows, "serial": "SIMULAT", "cui": cif,
                "titlu": f"Lista Mesaje disponibile din ultimele {days} zile"}
        return 200, "application/json", json.dumps(body).encode()

    # -- as an httpx transport (simulate mode) -------------------------------------------------------
    def transport(self) -> httpx.MockTransport:
        """An httpx transport that answers every SPV request in-process."""
        def handler(request: httpx.Request) -> httpx.Response:
            parts = urlsplit(str(request.url))
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            status, ctype, body = self.handle(request.method, parts.path, query, request.content)
            return httpx.Response(status, content=body, headers={"Content-Type": ctype})
        return httpx.MockTransport(handler)


def _buyer_id(root: etree._Element) -> str:
    """The buyer's CUI/CNP as SPV prints it in the message list."""
    for party in root.iter("{*}AccountingCustomerParty"):
        for tag in ("CompanyID", "ID"):
            for el in party.iter(f"{{*}}{tag}"):
                if el.text and el.text.strip():
                    value = el.text.strip().upper()
                    return value[2:] if value.startswith("RO") else value
    return ""


_simulators: dict[str, SpvSimulator] = {}
_simulators_lock = threading.Lock()


def shared_simulator(path: str) -> SpvSimulator:
    """The process's simulator for a state file (simulate mode)."""
    with _simulators_lock:
        if path not in _simulators:
            _simulators[path] = SpvSimulator(path or None)
        return _simulators[path]
