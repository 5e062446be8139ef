"""`efactura sync|status` from the command line, in simulate mode: documents go pending → ok without ANAF."""

from __future__ import annotations

import datetime as dt
import json
import time

import pytest

from hostico.efactura.deadline import deadline_for
from tests.conftest import reconfigure


@pytest.mark.slow
def test_simulate_mode_takes_documents_from_pending_to_ok_without_credentials(app, runner, issue, tmp_path):
    state_file = tmp_path / "spv.json"
    reconfigure(app, EFACTURA="simulate", EFACTURA_SIMULATOR_FILE=str(state_file), ANAF_CLIENT_ID="",
                      ANAF_REFRESH_TOKEN="")
    company, note = issue("ro_company", credit=True)
    person, _ = issue("person_without_cnp")
    abroad, _ = issue("non_eu_company")

    status = runner.invoke(args=["efactura", "status"])
    assert status.exit_code == 0

    def waiting(doc) -> str:  # not yet sent: pending, or overdue once 5 working days have passed
        return "overdue" if dt.date.today() > deadline_for(doc.issue_date) else "pending"
    assert set(status.output.splitlines()) == {f"{company.code} {waiting(company)}", f"{note.code} {waiting(note)}",
                                                f"{person.code} {waiting(person)}"}

    first = runner.invoke(args=["efactura", "sync"])
    assert first.exit_code == 0, first.output
    assert "uploaded 3" in first.output
    lines = runner.invoke(args=["efactura", "status", company.code]).output.split()
    assert lines[:2] == [company.code, "uploaded"] and lines[2].isdigit()

    # The simulator answers `in prelucrare` first, as SPV does; the verdict comes a few seconds later
    # (against ANAF the polling schedule is in minutes).
    for _ in range(3):
        time.sleep(1.1)
        result = runner.invoke(args=["efactura", "sync"])
        assert result.exit_code == 0, result.output
    status = runner.invoke(args=["efactura", "status"]).output.splitlines()
    assert sorted(line.split()[1] for line in status) == ["ok", "ok", "ok"]
    saved = json.loads(state_file.read_text())["messages"]
    assert sorted(m["endpoint"] for m in saved.values()) == ["upload", "upload", "uploadb2c"]
    assert sorted(m["standard"] for m in saved.values()) == ["CN", "UBL", "UBL"]
    assert all(m["errors"] == [] for m in saved.values())  # they passed the CIUS-RO rules
    assert runner.invoke(args=["efactura", "status", abroad.code]).output.split() == [abroad.code, "excluded"]


def test_status_of_an_unknown_number_fails(app, runner):
    reconfigure(app, EFACTURA="simulate")
    result = runner.invoke(args=["efactura", "status", "HST-424242"])
    assert result.exit_code != 0 and "No tax invoice or credit note HST-424242" in result.output


def test_off_says_so(runner):
    result = runner.invoke(args=["efactura", "sync"])
    assert result.exit_code == 0 and "e-Factura is off" in result.output


def test_the_worker_runs_the_efactura_jobs(app, runner, issue, tmp_path):
    reconfigure(app, EFACTURA="simulate", EFACTURA_SIMULATOR_FILE=str(tmp_path / "spv.json"), MAIL_BACKEND="outbox")
    tax, _ = issue("ro_company")
    result = runner.invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "e-Factura: enqueued 1" in result.output and "uploaded 1" in result.output
    status = runner.invoke(args=["efactura", "status", tax.code]).output.split()
    assert status[:2] == [tax.code, "uploaded"]
