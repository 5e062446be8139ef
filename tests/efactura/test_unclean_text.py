"""One invoice whose data holds a control character (saved before such text was refused) never stops the
others: its document is blocked with the reason, every other document reaches SPV (docs/fiscal.md, "Clean text")."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.efactura.jobs import sync
from hostico.models import Customer, EfacturaDocument, Invoice
from tests.efactura.conftest import BUYERS

T0 = dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC)
POISONED = {**BUYERS["person_with_cnp"], "name": "Evil\x01Name"}


def states(session) -> dict[str, EfacturaDocument]:
    session.expire_all()
    return dict(session.execute(select(Invoice.code, EfacturaDocument)
                                .join(EfacturaDocument, EfacturaDocument.invoice_id == Invoice.id)).all())


@pytest.mark.slow
def test_one_poisoned_invoice_and_fifty_good_ones_fifty_uploaded(anaf, anaf_config, session_factory, session, issue):
    poisoned, _ = issue(POISONED)
    good = [issue("person_without_cnp" if n % 2 else "ro_company")[0] for n in range(50)]
    summary = sync(session_factory, anaf_config, now=T0)
    assert summary.uploaded == 50 and summary.blocked == 0  # blocked while being enqueued, not retried yet
    docs = states(session)
    assert all(docs[inv.code].state == "uploaded" for inv in good)
    assert sorted(m["number"] for m in anaf.spv.messages.values()) == sorted(inv.code for inv in good)
    blocked = docs[poisoned.code]
    assert blocked.state == "pending" and blocked.xml is None
    assert [f["rule"] for f in blocked.findings] == ["TEXT"]
    assert "buyer.name" in blocked.findings[0]["message"]
    # Later passes keep it blocked and go on with the rest.
    later = issue("ro_company")[0]
    again = sync(session_factory, anaf_config, now=T0 + dt.timedelta(hours=2))
    assert again.uploaded == 1 and again.blocked == 1
    assert states(session)[later.code].state == "uploaded"


def test_status_and_sync_commands_carry_on_past_a_poisoned_invoice(app, runner, issue, tmp_path):
    from tests.conftest import reconfigure

    reconfigure(app, EFACTURA="simulate", EFACTURA_SIMULATOR_FILE=str(tmp_path / "spv.json"), ANAF_CLIENT_ID="",
                ANAF_REFRESH_TOKEN="")
    poisoned, _ = issue(POISONED)
    good, _ = issue("ro_company")
    status = runner.invoke(args=["efactura", "status"])
    assert status.exit_code == 0, status.output
    assert {line.split()[0] for line in status.output.splitlines()} == {poisoned.code, good.code}
    result = runner.invoke(args=["efactura", "sync"])
    assert "uploaded 1" in result.output, result.output
    assert runner.invoke(args=["efactura", "status", good.code]).output.split()[1] == "uploaded"


def test_staff_page_names_the_field_that_blocks_the_document(anaf_config, session_factory, issue, client, make,
                                                             login_staff):
    poisoned, _ = issue(POISONED)
    sync(session_factory, anaf_config, now=T0)
    login_staff(client, make.make_staff(role="admin"))
    page = client.get(f"/staff/efactura?number={poisoned.code}&lang=en").get_data(as_text=True)
    assert "Fails validation, not uploaded" in page
    assert "buyer.name holds a control character that XML cannot carry" in page


def test_customer_xml_download_of_a_poisoned_invoice_explains_instead_of_failing(client, login_as, issue, session):
    poisoned, _ = issue(POISONED)
    login_as(client, session.get(Customer, poisoned.customer_id))
    response = client.get(f"/invoices/{poisoned.code}.xml")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/invoices/{poisoned.code}")
    page = client.get(f"/invoices/{poisoned.code}?lang=en").get_data(as_text=True)
    assert "cannot be produced yet" in page


def test_export_command_names_the_field(runner, issue):
    poisoned, _ = issue({**BUYERS["ro_company"], "address": "Str. Lunga\x1b[31m nr. 5"})
    result = runner.invoke(args=["efactura", "export", poisoned.code])
    assert result.exit_code != 0
    assert "buyer.address holds a control character" in result.output
