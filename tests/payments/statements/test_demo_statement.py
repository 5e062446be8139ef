"""The README's demo step: with `make run`'s data, the sample statement pays one of the unpaid proformas."""

from pathlib import Path

from sqlalchemy import select

from hostico.models import Invoice, Service

SAMPLE = Path(__file__).resolve().parents[3] / "deploy" / "samples" / "demo-statement.camt053.xml"


def test_demo_sample_statement_pays_the_overdue_demo_proforma(runner, session):
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    result = runner.invoke(args=["payments", "import", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "matched 1, unmatched 1, already imported 0"
    session.expire_all()
    proforma = session.scalar(select(Invoice).where(Invoice.code == "HPF-000004"))
    assert proforma.status == "paid" and proforma.customer_id == session.scalar(
        select(Service.customer_id).where(Service.domain == "blog-ana.ro"))
    assert session.scalar(select(Service.status).where(Service.domain == "blog-ana.ro")) == "active"
    assert session.scalar(select(Invoice.code).where(Invoice.proforma_id == proforma.id)).startswith("HST-")
    again = runner.invoke(args=["payments", "import", str(SAMPLE)])
    assert again.output.strip() == "matched 0, unmatched 0, already imported 2"
