"""The month's documents in SAGA C's XML invoice import format ("Import facturi", docs/reports.md).

SAGA C (SAGA Software, widely used by Romanian accountants) imports issued invoices from an XML file
described in its manual (manual.sagasoft.ro, "Import date" → "Import facturi din fișiere XML"): a root
`<Facturi>` holding one `<Factura>` per document, each with
- `<Antet>`: the supplier (`FurnizorNume`, `FurnizorCIF`, `FurnizorNrRegCom`, `FurnizorCapital`, `FurnizorTara`,
  `FurnizorLocalitate`, `FurnizorJudet`, `FurnizorAdresa`, `FurnizorTelefon`, `FurnizorMail`, `FurnizorBanca`,
  `FurnizorIBAN`, `FurnizorInformatiiSuplimentare`), the client (`ClientNume`, `ClientInformatiiSuplimentare`,
  `ClientCIF`, `ClientNrRegCom`, `ClientJudet`, `ClientTara`, `ClientLocalitate`, `ClientAdresa`, `ClientBanca`,
  `ClientIBAN`, `ClientTelefon`, `ClientMail`) and the invoice (`FacturaNumar`, `FacturaData` and
  `FacturaScadenta` as dd.mm.yyyy, `FacturaTaxareInversa` and `FacturaTVAIncasare` as Da/Nu, `FacturaTip`,
  `FacturaInformatiiSuplimentare`, `FacturaMoneda`, `FacturaGreutate`, `FacturaAccize`);
- `<Detalii><Continut>`: one `<Linie>` per line (`LinieNrCrt`, `Gestiune`, `Activitate`, `Descriere`,
  `CodArticolFurnizor`, `CodArticolClient`, `CodBare`, `InformatiiSuplimentare`, `UM`, `Cantitate`, `Pret`,
  `Valoare`, `ProcTVA`, `TVA`, `Cont`), amounts with a decimal point; a storno line has a negative quantity.
The field list and order above are those of the published description (cross-checked against public
integrations that feed SAGA the same file); `tests/billing/test_reports.py` checks the output against it.

Hostico fills what it knows: amounts in the document's currency (`FacturaMoneda`), the BNR rate of an EUR
document in `FacturaInformatiiSuplimentare`, the legal VAT mention, the unit "buc"; SAGA's own codes
(warehouse, article, account) stay empty for the accountant's mapping. The file is written as it streams.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from xml.sax.saxutils import escape

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hostico.billing.reports.journal import BATCH, _event_date, _month_filter, month_bounds
from hostico.models import Invoice, InvoiceLine

SUPPLIER_FIELDS = ("FurnizorNume", "FurnizorCIF", "FurnizorNrRegCom", "FurnizorCapital", "FurnizorTara",
                   "FurnizorLocalitate", "FurnizorJudet", "FurnizorAdresa", "FurnizorTelefon", "FurnizorMail",
                   "FurnizorBanca", "FurnizorIBAN", "FurnizorInformatiiSuplimentare")
CLIENT_FIELDS = ("ClientNume", "ClientInformatiiSuplimentare", "ClientCIF", "ClientNrRegCom", "ClientJudet",
                 "ClientTara", "ClientLocalitate", "ClientAdresa", "ClientBanca", "ClientIBAN", "ClientTelefon",
                 "ClientMail")
INVOICE_FIELDS = ("FacturaNumar", "FacturaData", "FacturaScadenta", "FacturaTaxareInversa", "FacturaTVAIncasare",
                  "FacturaTip", "FacturaInformatiiSuplimentare", "FacturaMoneda", "FacturaGreutate", "FacturaAccize")
HEADER_FIELDS = SUPPLIER_FIELDS + CLIENT_FIELDS + INVOICE_FIELDS
LINE_FIELDS = ("LinieNrCrt", "Gestiune", "Activitate", "Descriere", "CodArticolFurnizor", "CodArticolClient",
               "CodBare", "InformatiiSuplimentare", "UM", "Cantitate", "Pret", "Valoare", "ProcTVA", "TVA", "Cont")
MEDIA_TYPE = "application/xml; charset=utf-8"


def _date(day: dt.date | None) -> str:
    return day.strftime("%d.%m.%Y") if day else ""


def _amount(value: Decimal, places: str = "0.01") -> str:
    return f"{Decimal(value).quantize(Decimal(places)):f}"


def _number(value: Decimal) -> str:
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _county(code: str | None) -> str:
    """SAGA takes the county's short code (BV, B): the ISO 3166-2:RO code without its prefix."""
    from hostico.efactura.counties import to_code

    iso = to_code(code) or ""
    return iso[3:] if iso.startswith("RO-") else ""


def _element(name: str, value: str) -> str:
    return f"<{name}>{escape(value)}</{name}>" if value else f"<{name}/>"


def header_values(invoice: Invoice) -> dict[str, str]:
    """The `<Antet>` of one document, field by field."""
    seller, buyer = invoice.seller or {}, invoice.buyer or {}
    company = buyer.get("kind") == "company"
    country = (buyer.get("country") or "RO").upper()
    notes = [invoice.vat_mention or ""]
    if invoice.currency != "RON" and invoice.exchange_rate is not None:
        notes.append(f"Curs BNR {invoice.exchange_rate:f} din {_date(invoice.rate_date)}")
    if invoice.collected_on:
        notes.append(f"Data încasării {_date(invoice.collected_on)}")
    return {
        "FurnizorNume": seller.get("name", ""), "FurnizorCIF": seller.get("cui", ""),
        "FurnizorNrRegCom": seller.get("reg_com", ""), "FurnizorCapital": seller.get("capital", ""),
        "FurnizorTara": "RO", "FurnizorAdresa": seller.get("address", ""), "FurnizorBanca": seller.get("bank", ""),
        "FurnizorIBAN": seller.get("iban", ""),
        "ClientNume": invoice.buyer_name,
        "ClientCIF": ((buyer.get("vat_number") or buyer.get("cui") or "") if company else (buyer.get("cnp") or "")),
        "ClientNrRegCom": buyer.get("reg_com") or "",
        "ClientJudet": _county(buyer.get("county")) if country == "RO" else "",
        "ClientTara": country, "ClientLocalitate": buyer.get("city") or "",
        "ClientAdresa": buyer.get("address") or "",
        "FacturaNumar": invoice.code, "FacturaData": _date(invoice.issue_date),
        "FacturaScadenta": _date(invoice.due_date or invoice.issue_date),
        "FacturaTaxareInversa": "Da" if invoice.reverse_charge else "Nu", "FacturaTVAIncasare": "Nu",
        "FacturaInformatiiSuplimentare": "; ".join(n for n in notes if n), "FacturaMoneda": invoice.currency,
    }


def line_values(position: int, line: InvoiceLine) -> dict[str, str]:
    return {"LinieNrCrt": str(position), "Descriere": line.description, "UM": "buc",
            "Cantitate": _number(line.quantity), "Pret": _amount(line.unit_price, "0.0001"),
            "Valoare": _amount(line.net), "ProcTVA": _number(line.vat_rate), "TVA": _amount(line.vat)}


def factura(invoice: Invoice) -> str:
    """One `<Factura>` element."""
    head = header_values(invoice)
    parts = ["<Factura><Antet>", *(_element(name, head.get(name, "")) for name in HEADER_FIELDS),
             "</Antet><Detalii><Continut>"]
    for position, line in enumerate(invoice.lines, start=1):
        values = line_values(position, line)
        parts.append("<Linie>" + "".join(_element(name, values.get(name, "")) for name in LINE_FIELDS) + "</Linie>")
    parts.append("</Continut></Detalii></Factura>\n")
    return "".join(parts)


def saga_xml(session: Session, month: dt.date) -> Iterator[bytes]:
    """The month's tax invoices and credit notes (by chargeable event, as in the journal) as one SAGA file."""
    start, end = month_bounds(month)
    stmt = (select(Invoice).where(*_month_filter(start, end)).options(selectinload(Invoice.lines))
            .order_by(_event_date(), Invoice.series, Invoice.number).execution_options(yield_per=BATCH))
    yield b'<?xml version="1.0" encoding="UTF-8"?>\n<Facturi>\n'
    for partition in session.scalars(stmt).partitions():
        yield "".join(factura(invoice) for invoice in partition).encode()
    yield b"</Facturi>\n"


def filename(seller_cui: str, month: dt.date) -> str:
    """SAGA's name for an invoice file: F_<supplier CIF>_<period>.xml."""
    cui = "".join(ch for ch in seller_cui if ch.isalnum()) or "hostico"
    return f"F_{cui}_{month.strftime('%Y-%m')}.xml"
