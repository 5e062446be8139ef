"""The EN 16931 and CIUS-RO (1.0.9) business rules our UBL documents rely on, each under its official id.

No package ships the CEN and ANAF schematron artefacts in a form this project can install, so each rule
we depend on is written out here from the rule's text, with a test per rule in tests/efactura. Rules of
document kinds and features we never produce (allowances and charges, delivery, tax representatives,
attachments) are not encoded; the documents contain none of those elements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pycountry
from lxml import etree
from lxml.etree import _Element

from hostico.efactura import counties
from hostico.efactura.findings import Finding
from hostico.efactura.ubl import CUSTOMIZATION_ID, NS_CAC, NS_CBC

NS = {"cac": NS_CAC, "cbc": NS_CBC}
TYPE_CODES = {"Invoice": {"380", "384", "389", "751"}, "CreditNote": {"381"}}
VAT_CATEGORIES = {"S", "Z", "E", "AE", "K", "G", "O", "L", "M"}
PAYMENT_MEANS = {"1", "10", "20", "30", "31", "42", "48", "49", "54", "55", "57", "58", "59", "68", "97", "ZZZ"}
# BR-RO-Lnnn: the CIUS-RO maximum lengths of the fields our documents use.
LENGTHS = (
    ("BR-RO-L001", "cbc:ID", 200, "document number"),
    ("BR-RO-L002", "cbc:Note", 300, "invoice note"),
    ("BR-RO-L003", ".//cac:PartyLegalEntity/cbc:RegistrationName", 200, "party name"),
    ("BR-RO-L004", ".//cac:PartyName/cbc:Name", 200, "party trading name"),
    ("BR-RO-L150", ".//cac:PostalAddress/cbc:StreetName", 150, "street address"),
    ("BR-RO-L050", ".//cac:PostalAddress/cbc:CityName", 50, "city"),
    ("BR-RO-L020", ".//cac:PostalAddress/cbc:PostalZone", 20, "postal code"),
    ("BR-RO-L100", ".//cac:Item/cbc:Name", 100, "item name"),
    ("BR-RO-L200", ".//cac:Item/cbc:Description", 200, "item description"),
    ("BR-RO-L140", ".//cac:PaymentMeans/cbc:PaymentID", 140, "payment reference"),
)
_DATE_RE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _text(node: _Element, path: str) -> str:
    found = node.find(path, NS)
    return (found.text or "").strip() if found is not None and found.text else ""


def _dec(node: _Element, path: str) -> Decimal | None:
    value = _text(node, path)
    try:
        return Decimal(value) if value else None
    except InvalidOperation:
        return None


def _round(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _header(root: _Element, kind: str) -> Iterator[Finding]:
    customization = _text(root, "cbc:CustomizationID")
    if not customization:
        yield Finding("BR-01", "The document has no specification identifier (CustomizationID).")
    elif customization != CUSTOMIZATION_ID:
        yield Finding("BR-RO-001", "The specification identifier must be %(expected)s, not %(found)s.",
                      {"expected": CUSTOMIZATION_ID, "found": customization})
    number = _text(root, "cbc:ID")
    if not number:
        yield Finding("BR-02", "The document has no number.")
    elif not re.search(r"\d", number):
        yield Finding("BR-RO-010", "The document number %(number)s contains no digit.", {"number": number})
    if not _text(root, "cbc:IssueDate"):
        yield Finding("BR-03", "The document has no issue date.")
    for element in root.iter(f"{{{NS_CBC}}}IssueDate", f"{{{NS_CBC}}}DueDate", f"{{{NS_CBC}}}StartDate",
                             f"{{{NS_CBC}}}EndDate", f"{{{NS_CBC}}}PaymentDueDate", f"{{{NS_CBC}}}TaxPointDate"):
        if not _DATE_RE.fullmatch((element.text or "").strip()):
            yield Finding("BR-RO-DT001", "The date %(value)s is not written as YYYY-MM-DD.", {"value": element.text})
    if _text(root, "cbc:TaxPointDate") and _text(root, "cac:InvoicePeriod/cbc:DescriptionCode"):
        yield Finding("BR-CO-03", "The VAT point date (BT-7) and the VAT point date code (BT-8) cannot both be given.")
    type_code = _text(root, f"cbc:{kind}TypeCode")
    if not type_code:
        yield Finding("BR-04", "The document has no type code.")
    elif type_code not in TYPE_CODES[kind]:
        yield Finding("BR-RO-020", "The type code %(code)s is not allowed for a %(kind)s (allowed: %(allowed)s).",
                      {"code": type_code, "kind": kind, "allowed": ", ".join(sorted(TYPE_CODES[kind]))})
    if len(root.findall("cbc:Note", NS)) > 20:
        yield Finding("BR-RO-A020", "A document may carry at most 20 notes.")
    currency = _text(root, "cbc:DocumentCurrencyCode")
    if not currency:
        yield Finding("BR-05", "The document has no currency.")
    elif pycountry.currencies.get(alpha_3=currency) is None:
        yield Finding("BR-CL-04", "%(currency)s is not an ISO 4217 currency code.", {"currency": currency})
    tax_currency = _text(root, "cbc:TaxCurrencyCode")
    if currency and currency != "RON" and tax_currency != "RON":
        yield Finding("BR-RO-030", "A document in %(currency)s must state RON as its VAT accounting currency.",
                      {"currency": currency})
    if tax_currency and tax_currency != currency:
        in_tax_currency = [t for t in root.findall("cac:TaxTotal", NS)
                           if (amount := t.find("cbc:TaxAmount", NS)) is not None
                           and amount.get("currencyID") == tax_currency]
        if not in_tax_currency:
            yield Finding("BR-53", "The total VAT in the accounting currency %(currency)s (BT-111) is missing.",
                          {"currency": tax_currency})
    for reference in root.findall("cac:BillingReference", NS):
        if not _text(reference, "cac:InvoiceDocumentReference/cbc:ID"):
            yield Finding("BR-55", "A reference to a preceding invoice has no invoice number.")


def _address(party: _Element, who: str, suffix: str) -> Iterator[Finding]:
    address = party.find("cac:PostalAddress", NS)
    if address is None:
        yield Finding("BR-08" if who == "seller" else "BR-10", "The %(who)s has no postal address.", {"who": who})
        return
    country = _text(address, "cac:Country/cbc:IdentificationCode")
    if not country:
        yield Finding("BR-09" if who == "seller" else "BR-11", "The %(who)s's address has no country.", {"who": who})
    elif pycountry.countries.get(alpha_2=country) is None:
        yield Finding("BR-CL-14", "%(country)s is not an ISO 3166-1 country code.", {"country": country})
    if not _text(address, "cbc:StreetName"):
        yield Finding(f"BR-RO-08{suffix}", "The %(who)s's address has no street.", {"who": who})
    city = _text(address, "cbc:CityName")
    if not city:
        yield Finding(f"BR-RO-09{suffix}", "The %(who)s's address has no city.", {"who": who})
    if country == "RO":
        county = _text(address, "cbc:CountrySubentity")
        if not counties.is_county_code(county):
            yield Finding(f"BR-RO-11{suffix}",
                          "The %(who)s's county %(county)s is not an ISO 3166-2:RO code such as RO-BV.",
                          {"who": who, "county": county or "—"})
        elif county == counties.BUCHAREST and city not in counties.SECTORS:
            yield Finding(f"BR-RO-10{suffix}",
                          "In Bucharest the %(who)s's city must be its sector, SECTOR1 to SECTOR6 (found %(city)s).",
                          {"who": who, "city": city or "—"})


def _parties(root: _Element) -> Iterator[Finding]:
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    for party, who, suffix, name_rule in ((seller, "seller", "0", "BR-06"), (buyer, "buyer", "1", "BR-07")):
        if party is None or not _text(party, "cac:PartyLegalEntity/cbc:RegistrationName"):
            yield Finding(name_rule, "The %(who)s has no name.", {"who": who})
        if party is not None:
            yield from _address(party, who, suffix)
    if seller is not None:
        ids = [_text(s, "cbc:CompanyID") for s in seller.findall("cac:PartyTaxScheme", NS)]
        if not any(ids):
            yield Finding("BR-RO-065", "The seller has neither a VAT identifier nor a tax registration identifier.")
    if buyer is not None:
        if not (_text(buyer, "cac:PartyLegalEntity/cbc:CompanyID") or _vat_id(buyer)):
            yield Finding("BR-RO-120", "The buyer has no identifier: a CUI, a CNP (or 13 zeros) or a VAT number.")
    for party in (seller, buyer):
        vat = _vat_id(party) if party is not None else ""
        prefix = vat[:2]
        if vat and not (prefix == "EL" or pycountry.countries.get(alpha_2=prefix) is not None):
            yield Finding("BR-CO-09", "The VAT identifier %(vat)s does not start with a country code.", {"vat": vat})


def _vat_id(party: _Element) -> str:
    for scheme in party.findall("cac:PartyTaxScheme", NS):
        if _text(scheme, "cac:TaxScheme/cbc:ID") == "VAT":
            return _text(scheme, "cbc:CompanyID")
    return ""


def _lines(root: _Element, kind: str) -> Iterator[Finding]:
    line_tag = "cac:CreditNoteLine" if kind == "CreditNote" else "cac:InvoiceLine"
    quantity_tag = "cbc:CreditedQuantity" if kind == "CreditNote" else "cbc:InvoicedQuantity"
    lines = root.findall(line_tag, NS)
    if not lines:
        yield Finding("BR-16", "The document has no lines.")
    for line in lines:
        number = _text(line, "cbc:ID") or "?"
        quantity = line.find(quantity_tag, NS)
        if not _text(line, "cbc:ID"):
            yield Finding("BR-21", "A line has no identifier.")
        if quantity is None or not (quantity.text or "").strip():
            yield Finding("BR-22", "Line %(line)s has no quantity.", {"line": number})
        elif not quantity.get("unitCode"):
            yield Finding("BR-23", "Line %(line)s has no unit of measure.", {"line": number})
        if _dec(line, "cbc:LineExtensionAmount") is None:
            yield Finding("BR-24", "Line %(line)s has no net amount.", {"line": number})
        if not _text(line, "cac:Item/cbc:Name"):
            yield Finding("BR-25", "Line %(line)s has no item name.", {"line": number})
        price = _dec(line, "cac:Price/cbc:PriceAmount")
        if price is None:
            yield Finding("BR-26", "Line %(line)s has no item price.", {"line": number})
        elif price < 0:
            yield Finding("BR-27", "Line %(line)s has a negative item price.", {"line": number})
        category = line.find("cac:Item/cac:ClassifiedTaxCategory", NS)
        if category is None or not _text(category, "cbc:ID"):
            yield Finding("BR-CO-04", "Line %(line)s has no VAT category.", {"line": number})
        elif _text(category, "cbc:ID") == "O" and category.find("cbc:Percent", NS) is not None:
            yield Finding("BR-O-05", "Line %(line)s is outside the scope of VAT and must not state a VAT rate.",
                          {"line": number})


def _amount_decimals(root: _Element) -> Iterator[Finding]:
    for element in root.iter():
        if element.get("currencyID") is not None and element.tag != f"{{{NS_CBC}}}PriceAmount":
            text = (element.text or "").strip()
            if "." in text and len(text.split(".", 1)[1]) > 2:
                yield Finding("BR-DEC", "The amount %(value)s has more than 2 decimals.", {"value": text})


def _line_nets_by_category(root: _Element, kind: str) -> dict[tuple[str, Decimal | None], Decimal]:
    out: dict[tuple[str, Decimal | None], Decimal] = {}
    for line in root.findall("cac:CreditNoteLine" if kind == "CreditNote" else "cac:InvoiceLine", NS):
        category = _text(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID")
        rate = _dec(line, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent")
        key = (category, rate if category != "O" else None)
        out[key] = out.get(key, Decimal("0")) + (_dec(line, "cbc:LineExtensionAmount") or Decimal("0"))
    return out


def _vat(root: _Element, kind: str) -> Iterator[Finding]:
    currency = _text(root, "cbc:DocumentCurrencyCode")
    totals = [t for t in root.findall("cac:TaxTotal", NS)
              if (amount := t.find("cbc:TaxAmount", NS)) is not None and amount.get("currencyID") == currency]
    subtotals = [s for t in totals for s in t.findall("cac:TaxSubtotal", NS)]
    if not subtotals:
        yield Finding("BR-CO-18", "The document has no VAT breakdown.")
        return
    stated = _dec(totals[0], "cbc:TaxAmount") or Decimal("0")
    summed = sum((_dec(s, "cbc:TaxAmount") or Decimal("0")) for s in subtotals)
    if stated != summed:
        yield Finding("BR-CO-14", "The VAT total %(total)s is not the sum of the VAT breakdown (%(sum)s).",
                      {"total": stated, "sum": summed})
    seller = root.find("cac:AccountingSupplierParty/cac:Party", NS)
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    seller_vat = _vat_id(seller) if seller is not None else ""
    buyer_vat = _vat_id(buyer) if buyer is not None else ""
    nets = _line_nets_by_category(root, kind)
    categories_found = set()
    for subtotal in subtotals:
        category = _text(subtotal, "cac:TaxCategory/cbc:ID")
        categories_found.add(category)
        rate = _dec(subtotal, "cac:TaxCategory/cbc:Percent")
        taxable = _dec(subtotal, "cbc:TaxableAmount") or Decimal("0")
        tax = _dec(subtotal, "cbc:TaxAmount") or Decimal("0")
        reason = _text(subtotal, "cac:TaxCategory/cbc:TaxExemptionReason") or \
            _text(subtotal, "cac:TaxCategory/cbc:TaxExemptionReasonCode")
        params = {"category": category, "rate": rate, "taxable": taxable, "tax": tax}
        if category not in VAT_CATEGORIES:
            yield Finding("BR-CL-18", "%(category)s is not a VAT category code (UNCL 5305).", params)
            continue
        line_sum = nets.get((category, rate if category != "O" else None), Decimal("0"))
        if taxable != line_sum:
            yield Finding(f"BR-{category}-08",
                          "The taxable amount %(taxable)s of VAT category %(category)s is not the sum of its "
                          "lines (%(lines)s).", {**params, "lines": line_sum})
        if category == "O":
            if rate is not None:
                yield Finding("BR-O-05", "VAT category O (outside the scope of VAT) must not state a rate.", params)
            if seller_vat or buyer_vat:
                yield Finding("BR-O-02", "A document outside the scope of VAT must not state the seller's or the "
                              "buyer's VAT identifier.", params)
        elif rate is None:
            yield Finding("BR-48", "The VAT breakdown of category %(category)s has no rate.", params)
        elif category in ("S", "AE") and abs(tax) - 1 >= abs(_round(taxable * rate / 100)):
            yield Finding("BR-CO-17", "The VAT %(tax)s of category %(category)s is not %(taxable)s × %(rate)s%%.",
                          params)
        if category == "S":
            if rate is not None and rate <= 0:
                yield Finding("BR-S-05", "Standard-rated VAT needs a rate above zero.", params)
            if not seller_vat:
                yield Finding("BR-S-02", "Standard-rated VAT needs the seller's VAT identifier.", params)
            if reason:
                yield Finding("BR-S-10", "Standard-rated VAT must not carry an exemption reason.", params)
        elif category == "AE":
            if rate is not None and rate != 0:
                yield Finding("BR-AE-06", "Reverse charge must state a VAT rate of 0.", params)
            if tax != 0:
                yield Finding("BR-AE-09", "Reverse charge must state a VAT amount of 0.", params)
            if not (seller_vat and buyer_vat):
                yield Finding("BR-AE-02", "Reverse charge needs both the seller's and the buyer's VAT identifiers.",
                              params)
        if category in ("AE", "O"):
            if category == "O" and tax != 0:
                yield Finding("BR-O-09", "VAT category O must state a VAT amount of 0.", params)
            if not reason:
                yield Finding(f"BR-{category}-10", "VAT category %(category)s needs an exemption reason.", params)
    if "O" in categories_found and len(categories_found) > 1:
        yield Finding("BR-O-11", "A document with VAT category O cannot have other VAT categories.")
    for key in nets:
        if key[0] and key[0] not in categories_found:
            yield Finding(f"BR-{key[0]}-01", "Lines of VAT category %(category)s have no VAT breakdown.",
                          {"category": key[0]})


def _totals(root: _Element, kind: str) -> Iterator[Finding]:
    monetary = root.find("cac:LegalMonetaryTotal", NS)
    if monetary is None:
        yield Finding("BR-12", "The document has no totals.")
        return
    currency = _text(root, "cbc:DocumentCurrencyCode")
    line_ext = _dec(monetary, "cbc:LineExtensionAmount")
    exclusive = _dec(monetary, "cbc:TaxExclusiveAmount")
    inclusive = _dec(monetary, "cbc:TaxInclusiveAmount")
    payable = _dec(monetary, "cbc:PayableAmount")
    for value, rule, what in ((line_ext, "BR-12", "sum of line net amounts"), (exclusive, "BR-13", "total without VAT"),
                              (inclusive, "BR-14", "total with VAT"), (payable, "BR-15", "amount due")):
        if value is None:
            yield Finding(rule, "The %(what)s is missing.", {"what": what})
    if line_ext is None or exclusive is None or inclusive is None or payable is None:
        return
    lines = root.findall("cac:CreditNoteLine" if kind == "CreditNote" else "cac:InvoiceLine", NS)
    line_sum = sum((_dec(line, "cbc:LineExtensionAmount") or Decimal("0")) for line in lines)
    if line_ext != line_sum:
        yield Finding("BR-CO-10", "The sum of line net amounts %(stated)s is not the sum of the lines (%(sum)s).",
                      {"stated": line_ext, "sum": line_sum})
    allowances = _dec(monetary, "cbc:AllowanceTotalAmount") or Decimal("0")
    charges = _dec(monetary, "cbc:ChargeTotalAmount") or Decimal("0")
    if exclusive != line_ext - allowances + charges:
        yield Finding("BR-CO-13", "The total without VAT %(stated)s does not follow from the lines.",
                      {"stated": exclusive})
    vat = Decimal("0")
    for total in root.findall("cac:TaxTotal", NS):
        amount = total.find("cbc:TaxAmount", NS)
        if amount is not None and amount.get("currencyID") == currency:
            vat = _dec(total, "cbc:TaxAmount") or Decimal("0")
    if inclusive != exclusive + vat:
        yield Finding("BR-CO-15", "The total with VAT %(stated)s is not the total without VAT plus VAT (%(sum)s).",
                      {"stated": inclusive, "sum": exclusive + vat})
    prepaid = _dec(monetary, "cbc:PrepaidAmount") or Decimal("0")
    rounding = _dec(monetary, "cbc:PayableRoundingAmount") or Decimal("0")
    if payable != inclusive - prepaid + rounding:
        yield Finding("BR-CO-16", "The amount due %(stated)s is not the total with VAT less the amount paid.",
                      {"stated": payable})
    due = _text(root, "cbc:DueDate") or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
    if payable > 0 and not due and not _text(root, "cac:PaymentTerms/cbc:Note"):
        yield Finding("BR-CO-25", "An amount is due but the document has neither a due date nor payment terms.")


def _payment(root: _Element) -> Iterator[Finding]:
    for means in root.findall("cac:PaymentMeans", NS):
        code = _text(means, "cbc:PaymentMeansCode")
        if not code:
            yield Finding("BR-49", "A payment instruction has no payment means code.")
        elif code not in PAYMENT_MEANS:
            yield Finding("BR-CL-16", "%(code)s is not a payment means code (UNCL 4461).", {"code": code})
        if code in ("30", "58") and not _text(means, "cac:PayeeFinancialAccount/cbc:ID"):
            yield Finding("BR-61", "A credit transfer needs the account (IBAN) to pay into.")


def _lengths(root: _Element) -> Iterator[Finding]:
    for rule, path, limit, what in LENGTHS:
        for element in root.findall(path, NS):
            text = element.text or ""
            if len(text) > limit:
                yield Finding(rule, "The %(what)s is longer than %(limit)s characters: %(value)s…",
                              {"what": what, "limit": limit, "value": text[:40]})


def rule_findings(root: etree._Element) -> list[Finding]:
    """Return the EN 16931 / CIUS-RO findings of a parsed Invoice or CreditNote."""
    kind = etree.QName(root).localname
    findings: list[Finding] = []
    for check in (_header(root, kind), _parties(root), _lines(root, kind), _amount_decimals(root),
                  _vat(root, kind), _totals(root, kind), _payment(root), _lengths(root)):
        findings.extend(check)
    return findings
