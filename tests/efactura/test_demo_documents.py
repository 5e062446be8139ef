"""Acceptance: every tax invoice and credit note of the demo data exports a valid, reported document."""

from __future__ import annotations

from sqlalchemy import select

from hostico.efactura.scope import route_for
from hostico.efactura.ubl import build_document
from hostico.efactura.validate import validate_document
from hostico.models import Invoice


def test_every_demo_document_passes_schema_and_rules_and_is_reported(runner, session):
    result = runner.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    documents = session.scalars(select(Invoice).where(Invoice.kind.in_(("tax", "credit_note")))).all()
    assert documents, "the demo has tax invoices"
    for document in documents:
        findings = validate_document(build_document(document))
        assert [str(f) for f in findings] == [], document.code
        assert route_for(document) is not None, document.code  # the demo's buyers are all in Romania
