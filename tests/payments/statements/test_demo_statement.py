"""The demo step of docs/payments.md (Bank statements): with `make run`'s data, the statement `demo seed`
writes pays an unpaid proforma."""

from sqlalchemy import select

from hostico.models import Invoice, Service


def test_demo_seed_writes_a_statement_that_pays_the_overdue_demo_proforma(app, runner, session, tmp_path):
    app.instance_path = str(tmp_path)  # where `demo seed` writes the statement
    seeded = runner.invoke(args=["demo", "seed"])
    assert seeded.exit_code == 0, seeded.output
    statement = tmp_path / "demo-statement.camt053.xml"
    assert "demo-statement.camt053.xml" in seeded.output and statement.exists()
    result = runner.invoke(args=["payments", "import", str(statement)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "matched 1, unmatched 1, already imported 0"
    session.expire_all()
    proforma = session.scalar(select(Invoice).where(Invoice.code == "HPF-000004"))
    assert proforma.status == "paid" and proforma.customer_id == session.scalar(
        select(Service.customer_id).where(Service.domain == "blog-ana.ro"))
    assert session.scalar(select(Service.status).where(Service.domain == "blog-ana.ro")) == "active"
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == proforma.id))
    assert tax.code.startswith("HST-") and tax.collected_on is not None
    again = runner.invoke(args=["payments", "import", str(statement)])
    assert again.output.strip() == "matched 0, unmatched 0, already imported 2"
