"""A local stand-in for ANAF's public PlatitorTvaRest v9 service, speaking its documented answer shape."""

from __future__ import annotations

import json

from tests.fakes.local_http import FakeHandler, LocalServer


def registry_entry(cui: int, name: str, *, street="Str. Lungă", number="5", city="Mun. Brașov", county="BRAȘOV",
                   county_auto="BV", postal="500001", reg_com="J08/123/2010", vat=True, inactive=False) -> dict:
    """One element of `found`, as v9 answers it (only the groups and fields the lookup reads, plus a few)."""
    return {
        "date_generale": {"cui": cui, "data": "2026-12-01", "denumire": name,
                          "adresa": f"JUD. {county}, {city}, {street.upper()}, NR.{number}", "nrRegCom": reg_com,
                          "telefon": "", "fax": "", "codPostal": postal, "act": "", "stare_inregistrare":
                          "INREGISTRAT din data 01.02.2010", "data_inregistrare": "2010-02-01", "cod_CAEN": "6311",
                          "iban": "", "statusRO_e_Factura": True, "organFiscalCompetent": "", "forma_de_proprietate":
                          "", "forma_organizare": "", "forma_juridica": "SRL"},
        "inregistrare_scop_Tva": {"scpTVA": vat, "perioade_TVA": []},
        "inregistrare_RTVAI": {"dataInceputTvaInc": "", "statusTvaIncasare": False},
        "stare_inactiv": {"dataInactivare": "2025-01-01" if inactive else "", "dataReactivare": "",
                          "dataPublicare": "", "dataRadiere": "", "statusInactivi": inactive},
        "inregistrare_SplitTVA": {"dataInceputSplitTVA": "", "statusSplitTVA": False},
        "adresa_sediu_social": {"sdenumire_Strada": street, "snumar_Strada": number, "sdenumire_Localitate": city,
                                "scod_Localitate": "1", "sdenumire_Judet": county, "scod_Judet": "8",
                                "scod_JudetAuto": county_auto, "stara": "România", "sdetalii_Adresa": "",
                                "scod_Postal": postal},
        "adresa_domiciliu_fiscal": {},
    }


class FakeAnafRegistry:
    """POST /api/PlatitorTvaRest/v9/tva on 127.0.0.1; `failure` = None | 503 | 'garbage' | 'error-body'."""

    def __init__(self) -> None:
        self.companies: dict[int, dict] = {}
        self.requests: list[list[dict]] = []
        self.failure: int | str | None = None
        owner = self

        class Handler(FakeHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != "/api/PlatitorTvaRest/v9/tva":
                    return self.send_body(404, b"Not Found", "text/plain")
                if owner.failure == 503:
                    return self.send_body(503, b"<html>Service Unavailable</html>", "text/html")
                if owner.failure == "garbage":
                    return self.send_body(200, b"<html>maintenance</html>", "text/html")
                try:
                    asked = json.loads(body)
                    cuis = [int(entry["cui"]) for entry in asked]
                except (ValueError, KeyError, TypeError):
                    return self.send_json(200, {"cod": 400, "message": "Request invalid"})
                owner.requests.append(asked)
                if owner.failure == "error-body":
                    return self.send_json(200, {"cod": 500, "message": "Eroare interna"})
                found = [owner.companies[c] for c in cuis if c in owner.companies]
                return self.send_json(200, {"cod": 200, "message": "SUCCESS", "found": found,
                                   "notFound": [c for c in cuis if c not in owner.companies]})

        self.local = LocalServer(Handler)
        self.url = self.local.base

    def close(self) -> None:
        self.local.close()
