"""UBL 2.1 CIUS-RO documents: an issued tax invoice (Invoice, 380) or credit note (CreditNote, 381) as XML.

Everything comes from the invoice as issued: its seller and buyer snapshots, its lines and totals —
never from the live customer or profile. Built element by element with lxml, in the order the UBL 2.1
schema prescribes; `hostico.efactura.validate` checks the result before anything is uploaded.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from lxml import etree
from lxml.etree import _Element
from sqlalchemy.orm import object_session

from hostico.efactura import categories, counties
from hostico.errors import N_
from hostico.models.billing_profile import BuyerSnapshot
from hostico.models.invoice import InvoiceKind
from hostico.text import has_control_characters

if TYPE_CHECKING:
    from hostico.models import Invoice, InvoiceLine

CUSTOMIZATION_ID = "urn:cen.eu:en16931:2017#compliant#urn:efactura.mfinante.ro:CIUS-RO:1.0.1"
NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS_CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
NS_CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
ANONYMOUS_CONSUMER = "0000000000000"  # a person without a CNP (uploadb2c)
UNIT_CODE = "C62"  # UN/ECE Rec. 20 "one": a hosting period is sold as one unit
PAYMENT_CREDIT_TRANSFER = "30"
CENT = Decimal("0.01")

# (category, rate) -> (net, VAT) of the lines in that group
_Groups = OrderedDict[tuple[str, Decimal | None], tuple[Decimal, Decimal]]


class DocumentError(Exception):
    """A document that cannot be generated (wrong kind, missing exchange rate); carries a code and parameters."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.code, self.template, self.params = code, message, params


def _cac(parent: _Element, name: str) -> _Element:
    return etree.SubElement(parent, f"{{{NS_CAC}}}{name}")


def _cbc(parent: _Element, name: str, text: object, **attrs: str) -> _Element:
    element = etree.SubElement(parent, f"{{{NS_CBC}}}{name}", attrib=attrs)
    element.text = str(text)
    return element


def _money(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def _amount(parent: _Element, name: str, value: Decimal, currency: str) -> _Element:
    return _cbc(parent, name, _money(value), currencyID=currency)


def _percent(rate: Decimal) -> str:
    text = format(Decimal(rate).normalize(), "f")
    return text if "." in text else text + ".00"


def _tax_scheme(parent: _Element) -> None:
    _cbc(_cac(parent, "TaxScheme"), "ID", "VAT")


# ----------------------------------------------------------------------------------------------- parties


def _digits(value: str | None) -> str:
    return re.sub(r"^[A-Za-z]{2}", "", (value or "").replace(" ", ""))


def seller_address(seller: dict[str, Any]) -> dict[str, Any]:
    """Return the seller's structured address; older snapshots only kept one line, which is parsed."""
    if seller.get("city"):
        return {"street": seller.get("street") or seller.get("address", ""), "city": seller["city"],
                "county": seller.get("county"), "postal_code": seller.get("postal_code"),
                "country": seller.get("country") or "RO"}
    parts = [p.strip() for p in (seller.get("address") or "").split(",") if p.strip()]
    postal = next((p for p in parts if re.fullmatch(r"\d{6}", p)), None)
    county = next((counties.to_code(p) for p in parts[1:] if counties.to_code(p)), None)
    sector = counties.sector_of(*parts)
    city = sector if county == counties.BUCHAREST and sector else (parts[1] if len(parts) > 1 else "")
    return {"street": parts[0] if parts else "", "city": city, "county": county, "postal_code": postal,
            "country": "RO"}


def _postal_address(parent: _Element, *, street: str, city: str, county: str | None, postal_code: str | None,
                    country: str) -> None:
    address = _cac(parent, "PostalAddress")
    _cbc(address, "StreetName", street or "")
    country = (country or "RO").upper()
    county_code = counties.to_code(county) if country == "RO" else None
    if country == "RO" and county_code == counties.BUCHAREST:
        city = counties.sector_of(city) or city  # BR-RO-100: the sector is Bucharest's city
    _cbc(address, "CityName", city or "")
    if postal_code:
        _cbc(address, "PostalZone", postal_code)
    if country == "RO":
        _cbc(address, "CountrySubentity", county_code or county or "")
    elif county:
        _cbc(address, "CountrySubentity", county)
    _cbc(_cac(address, "Country"), "IdentificationCode", country)


def _seller_party(root: _Element, invoice: Invoice, outside_scope: bool) -> None:
    seller = invoice.seller or {}
    party = _cac(_cac(root, "AccountingSupplierParty"), "Party")
    _cbc(_cac(party, "PartyName"), "Name", seller.get("name", ""))
    _postal_address(party, **seller_address(seller))
    cui = (seller.get("cui") or "").replace(" ", "")
    vat_payer = str(seller.get("vat_payer", "1")).lower() not in ("0", "false", "no")
    scheme = _cac(party, "PartyTaxScheme")
    if vat_payer and not outside_scope:
        _cbc(scheme, "CompanyID", cui if cui[:2].isalpha() else f"RO{cui}")  # BT-31
        _tax_scheme(scheme)
    else:  # BR-O-02: no seller VAT identifier next to O lines; the tax registration id (BT-32) instead
        _cbc(scheme, "CompanyID", _digits(cui))
        _cbc(_cac(scheme, "TaxScheme"), "ID", "TAX")
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", seller.get("name", ""))
    if seller.get("reg_com"):
        _cbc(legal, "CompanyID", seller["reg_com"])  # BT-30
    if seller.get("capital"):
        _cbc(legal, "CompanyLegalForm", f"Capital social: {seller['capital']}")


def romanian_vat_code(buyer: BuyerSnapshot) -> str | None:
    """The buyer's Romanian VAT code (RO and 2–10 digits) when it is a business established in another country
    but registered for VAT in Romania, else None."""
    if buyer.get("kind") != "company" or (buyer.get("country") or "RO").upper() == "RO":
        return None
    code = (buyer.get("vat_number") or "").replace(" ", "").upper()
    return code if re.fullmatch(r"RO\d{2,10}", code) else None


def buyer_identifier(buyer: BuyerSnapshot) -> str:
    """Return the buyer's id on the document: CUI for a company (a foreign business registered for VAT in
    Romania: the digits of its Romanian VAT code), CNP or 13 zeros for a person."""
    if buyer.get("kind") == "company":
        if (buyer.get("country") or "RO").upper() == "RO":
            return _digits(buyer.get("cui"))
        if romanian_vat_code(buyer):
            return _digits(romanian_vat_code(buyer))
        return (buyer.get("cui") or buyer.get("vat_number") or "").replace(" ", "")
    return buyer.get("cnp") or ANONYMOUS_CONSUMER


def _buyer_party(root: _Element, invoice: Invoice, outside_scope: bool) -> None:
    buyer = invoice.buyer or {}
    company = buyer.get("kind") == "company"
    name = (buyer.get("company_name") if company else buyer.get("name")) or ""
    party = _cac(_cac(root, "AccountingCustomerParty"), "Party")
    _cbc(_cac(party, "PartyName"), "Name", name)
    _postal_address(party, street=buyer.get("address") or "", city=buyer.get("city") or "",
                    county=buyer.get("county"), postal_code=buyer.get("postal_code"),
                    country=buyer.get("country") or "RO")
    if company and buyer.get("vat_number") and not outside_scope:
        scheme = _cac(party, "PartyTaxScheme")
        _cbc(scheme, "CompanyID", (buyer.get("vat_number") or "").replace(" ", ""))  # BT-48
        _tax_scheme(scheme)
    legal = _cac(party, "PartyLegalEntity")
    _cbc(legal, "RegistrationName", name)
    _cbc(legal, "CompanyID", buyer_identifier(buyer))  # BT-47 (BR-RO-120)


# ------------------------------------------------------------------------------------------------ totals


def _breakdown(invoice: Invoice, sign: int) -> _Groups:
    """Group lines by (category, rate): -> [net, vat], in the document's sign."""
    groups: _Groups = OrderedDict()
    for line in invoice.lines:
        category = categories.line_category(invoice, line)
        rate = Decimal(line.vat_rate) if category != categories.OUTSIDE_SCOPE else None
        key = (category, rate)
        net, vat = groups.get(key, (Decimal("0.00"), Decimal("0.00")))
        groups[key] = (net + sign * Decimal(line.net), vat + sign * Decimal(line.vat))
    return groups


def _vat_in_ron(invoice: Invoice, vat_total: Decimal) -> Decimal:
    """BT-111: the VAT total in lei for a document in another currency, at the BNR rate the invoice keeps."""
    for name in ("vat_total_ron", "vat_total_lei"):
        value = getattr(invoice, name, None)
        if value is not None:
            return abs(Decimal(value))
    if vat_total == 0:
        return Decimal("0.00")
    rate = getattr(invoice, "exchange_rate", None) or getattr(invoice, "bnr_rate", None)
    if not rate:
        raise DocumentError("missing_exchange_rate",
                            "Invoice %(number)s is in %(currency)s and has no BNR exchange rate for its VAT in lei.",
                            number=invoice.code, currency=invoice.currency)
    return (vat_total * Decimal(rate)).quantize(CENT, rounding=ROUND_HALF_UP)


def _tax_totals(root: _Element, invoice: Invoice, groups: _Groups, currency: str, sign: int) -> Decimal:
    vat_total = sign * Decimal(invoice.vat_total)
    total = _cac(root, "TaxTotal")
    _amount(total, "TaxAmount", vat_total, currency)
    for (category, rate), (net, vat) in groups.items():
        subtotal = _cac(total, "TaxSubtotal")
        _amount(subtotal, "TaxableAmount", net, currency)
        _amount(subtotal, "TaxAmount", vat, currency)
        tax_category = _cac(subtotal, "TaxCategory")
        _cbc(tax_category, "ID", category)
        if rate is not None:
            _cbc(tax_category, "Percent", _percent(rate))
        reason = categories.exemption_reason(invoice, category)
        if reason:
            _cbc(tax_category, "TaxExemptionReasonCode", reason[0])
            _cbc(tax_category, "TaxExemptionReason", reason[1])
        _tax_scheme(tax_category)
    if currency != "RON":  # BR-RO-030 / BR-53: the VAT total in the VAT accounting currency
        _amount(_cac(root, "TaxTotal"), "TaxAmount", _vat_in_ron(invoice, vat_total), "RON")
    return vat_total


# ------------------------------------------------------------------------------------------------- lines


def _line(root: _Element, invoice: Invoice, line: InvoiceLine, *, credit: bool, currency: str,
          sign: int) -> None:
    element = _cac(root, "CreditNoteLine" if credit else "InvoiceLine")
    _cbc(element, "ID", line.position)
    quantity = sign * Decimal(line.quantity)
    _cbc(element, "CreditedQuantity" if credit else "InvoicedQuantity", format(quantity.normalize(), "f"),
         unitCode=UNIT_CODE)
    _amount(element, "LineExtensionAmount", sign * Decimal(line.net), currency)
    if line.period_start or line.period_end:
        period = _cac(element, "InvoicePeriod")
        if line.period_start:
            _cbc(period, "StartDate", line.period_start.isoformat())
        if line.period_end:
            _cbc(period, "EndDate", line.period_end.isoformat())
    item = _cac(element, "Item")
    text = " ".join((line.description or "").split())
    if len(text) > 100:  # BR-RO-L100: item name at most 100 characters; the full text goes in the description
        _cbc(item, "Description", text[:200])
    _cbc(item, "Name", text[:100])
    category = categories.line_category(invoice, line)
    tax = _cac(item, "ClassifiedTaxCategory")
    _cbc(tax, "ID", category)
    if category != categories.OUTSIDE_SCOPE:
        _cbc(tax, "Percent", _percent(line.vat_rate))
    _tax_scheme(tax)
    _amount(_cac(element, "Price"), "PriceAmount", abs(Decimal(line.unit_price)), currency)


# ---------------------------------------------------------------------------------------------- document


def _corrected(invoice: Invoice) -> Invoice | None:
    corrected = getattr(invoice, "__dict__", {}).get("corrects")
    if corrected is None and invoice.corrects_id is not None:
        session = object_session(invoice)
        if session is not None:
            from hostico.models import Invoice

            corrected = session.get(Invoice, invoice.corrects_id)
    return corrected


def _reissue_references(invoice: Invoice) -> list[Any]:
    """A reissued tax invoice (storno and reissue) cites the tax invoice of the same sale it replaces and the credit
    notes that cancelled it: those documents, oldest first; empty for any other document."""
    proforma_id, own_id = getattr(invoice, "proforma_id", None), getattr(invoice, "id", None)
    session = object_session(invoice) if proforma_id is not None and own_id is not None else None
    if session is None:
        return []
    from sqlalchemy import select

    from hostico.models import Invoice

    # Read only: never flush what the caller has pending (a worker's new e-Factura rows must fail, if they do, at
    # its own flush, where a concurrent worker's duplicate is expected and handled).
    with session.no_autoflush:
        cancelled = session.scalar(select(Invoice).where(Invoice.proforma_id == proforma_id,
                                                         Invoice.kind == InvoiceKind.TAX,
                                                         Invoice.id < own_id).order_by(Invoice.id.desc()).limit(1))
        if cancelled is None:
            return []
        return [cancelled, *session.scalars(select(Invoice).where(Invoice.corrects_id == cancelled.id,
                                                                  Invoice.kind == InvoiceKind.CREDIT_NOTE)
                                            .order_by(Invoice.id))]


def unclean_texts(invoice: Invoice) -> list[str]:
    """Where the invoice's texts hold control characters: "buyer.name", "line 2", ... (empty when clean)."""
    found = [f"{party}.{key}" for party in ("buyer", "seller")
             for key, value in sorted((getattr(invoice, party) or {}).items())
             if isinstance(value, str) and has_control_characters(value)]
    found += [f"line {n}" for n, line in enumerate(invoice.lines, 1) if has_control_characters(line.description)]
    return found


def build_document(invoice: Invoice) -> bytes:
    """Return the UBL 2.1 CIUS-RO XML (UTF-8) of an issued tax invoice or credit note."""
    if invoice.kind not in (InvoiceKind.TAX, InvoiceKind.CREDIT_NOTE):
        raise DocumentError("not_reportable", "Only tax invoices and credit notes have an e-Factura document "
                            "(%(number)s is a %(kind)s).", number=invoice.code, kind=invoice.kind)
    unclean = unclean_texts(invoice)
    if unclean:
        raise DocumentError("TEXT", N_("%(fields)s holds a control character that XML cannot carry; correct the "
                                       "data."), fields=", ".join(unclean))
    credit = invoice.kind == InvoiceKind.CREDIT_NOTE
    sign = -1 if credit and Decimal(invoice.total) < 0 else 1  # a credit note states positive amounts
    currency = (invoice.currency or "RON").upper()
    root = etree.Element(f"{{{NS_CREDIT_NOTE if credit else NS_INVOICE}}}{'CreditNote' if credit else 'Invoice'}",
                         nsmap={None: NS_CREDIT_NOTE if credit else NS_INVOICE, "cac": NS_CAC, "cbc": NS_CBC})
    _cbc(root, "CustomizationID", CUSTOMIZATION_ID)
    _cbc(root, "ID", invoice.code)
    _cbc(root, "IssueDate", invoice.issue_date.isoformat())
    if not credit and invoice.due_date:
        _cbc(root, "DueDate", invoice.due_date.isoformat())
    _cbc(root, "CreditNoteTypeCode" if credit else "InvoiceTypeCode", "381" if credit else "380")
    groups = _breakdown(invoice, sign)
    notes = [reason[1] for category, _ in groups if (reason := categories.exemption_reason(invoice, category))]
    for note in dict.fromkeys(notes):
        _cbc(root, "Note", note)
    collected_on = getattr(invoice, "collected_on", None)
    if not credit and collected_on is not None:
        # BT-7: the collection date, the chargeable event of an advance payment (art. 282 alin. 2 lit. b); never
        # next to BT-8 (BR-CO-03), which the documents do not carry
        _cbc(root, "TaxPointDate", collected_on.isoformat())
    _cbc(root, "DocumentCurrencyCode", currency)
    if currency != "RON":
        _cbc(root, "TaxCurrencyCode", "RON")  # BR-RO-030
    corrected = _corrected(invoice) if credit else None
    # BG-3: a credit note cites the invoice it corrects; a reissue the invoice it replaces and that one's storno
    for cited in ([corrected] if corrected is not None else []) if credit else _reissue_references(invoice):
        reference = _cac(_cac(root, "BillingReference"), "InvoiceDocumentReference")
        _cbc(reference, "ID", cited.code)  # BT-25
        _cbc(reference, "IssueDate", cited.issue_date.isoformat())  # BT-26
    outside_scope = any(category == categories.OUTSIDE_SCOPE for category, _ in groups)
    _seller_party(root, invoice, outside_scope)
    _buyer_party(root, invoice, outside_scope)
    iban = (invoice.seller or {}).get("iban")
    if iban and not credit:  # BG-16: where the buyer pays; a credit note is settled the other way
        means = _cac(root, "PaymentMeans")
        _cbc(means, "PaymentMeansCode", PAYMENT_CREDIT_TRANSFER)
        _cbc(means, "PaymentID", invoice.code)
        account = _cac(means, "PayeeFinancialAccount")
        _cbc(account, "ID", iban.replace(" ", ""))
        if (invoice.seller or {}).get("bank"):
            _cbc(account, "Name", invoice.seller["bank"])
    total = sign * Decimal(invoice.total)
    prepaid = total if invoice.kind == InvoiceKind.TAX and invoice.paid_at is not None else Decimal("0.00")
    if total - prepaid > 0 and not (not credit and invoice.due_date):
        # BR-CO-25: an amount still due needs a due date or payment terms
        _cbc(_cac(root, "PaymentTerms"), "Note",
             "Se compensează sau se restituie cumpărătorului" if credit else "Plata prin transfer bancar")
    vat_total = _tax_totals(root, invoice, groups, currency, sign)
    net = sign * Decimal(invoice.subtotal)
    monetary = _cac(root, "LegalMonetaryTotal")
    _amount(monetary, "LineExtensionAmount", net, currency)
    _amount(monetary, "TaxExclusiveAmount", net, currency)
    _amount(monetary, "TaxInclusiveAmount", net + vat_total, currency)
    if prepaid:
        _amount(monetary, "PrepaidAmount", prepaid, currency)
    _amount(monetary, "PayableAmount", total - prepaid, currency)
    for line in invoice.lines:
        _line(root, invoice, line, credit=credit, currency=currency, sign=sign)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
