"""/staff/payments/import and /staff/payments/unmatched as billing staff use them; the command line."""

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hostico.billing.credit import balance
from hostico.models import AuditLog, BankStatementImport, BankStatementLine, Invoice, Payment
from tests.payments.statements.conftest import DATA, ISSUED, sample
from tests.staff.test_pages import count_queries


@pytest.fixture
def billing(client, make, login_staff):
    staff = make.make_staff(role="billing")
    login_staff(client, staff)
    client.staff = staff
    return client


def _upload(client, name: str, data: bytes | None = None, **kw):
    payload = {"statement": (io.BytesIO(sample(name) if data is None else data), name)}
    return client.post_form("/staff/payments/import", payload, token_from="/staff/payments/import",
                            content_type="multipart/form-data", **kw)


def _count(session, model, *where):
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("name", ["camt053_v02.xml", "mt940_statement.sta"])
def test_billing_staff_import_a_statement_and_see_what_it_did(billing, session, proformas, name):
    resp = _upload(billing, name)
    assert resp.status_code == 303
    page = billing.get(resp.headers["Location"]).get_data(as_text=True)
    assert "Matched 3, unmatched 3, already imported 1." in page
    assert "1 debit lines ignored." in page
    assert "HPF-000001" in page and "no proforma number in the text" in page
    session.expire_all()
    assert session.get(Invoice, proformas["p1"].id).status == "paid"
    assert session.get(Invoice, proformas["p4"].id).amount_paid == Decimal("100.00")  # an advance

    again = billing.get(_upload(billing, name).headers["Location"]).get_data(as_text=True)
    assert "Matched 0, unmatched 0, already imported 7." in again
    assert _count(session, Payment, Payment.method == "bank_transfer") == 3
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "payments.statement_imported")
                           .order_by(AuditLog.id.desc()))
    assert entry.actor_kind == "staff" and entry.actor_id == billing.staff.id


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (b"id;amount\n1;2\n", "neither a CAMT.053 statement"),
    (b"<Document><BkToCstmrStmt>", "not well-formed XML"),
])
def test_a_bad_file_gets_a_clear_message_and_records_nothing(billing, session, proformas, data, message):
    resp = _upload(billing, "statement.xml", data)
    assert resp.status_code == 422
    assert message in resp.get_data(as_text=True)
    assert _count(session, BankStatementImport) == 0 and _count(session, BankStatementLine) == 0


def test_import_without_a_file_asks_for_one(billing, session):
    resp = billing.post_form("/staff/payments/import", {}, token_from="/staff/payments/import")
    assert resp.status_code == 422 and "Choose a statement file." in resp.get_data(as_text=True)


def test_import_without_csrf_token_is_refused(billing, session, proformas):
    resp = billing.post("/staff/payments/import", data={"statement": (io.BytesIO(sample("camt053_v02.xml")), "s.xml")},
                        content_type="multipart/form-data")
    assert resp.status_code == 400
    assert _count(session, BankStatementLine) == 0


@pytest.mark.parametrize("method, url", [
    ("get", "/staff/payments/import"), ("get", "/staff/payments/unmatched"), ("post", "/staff/payments/import"),
    ("post", "/staff/payments/lines/1/match"), ("post", "/staff/payments/lines/1/dismiss"),
])
def test_support_staff_are_refused(client, make, login_staff, method, url):
    login_staff(client, make.make_staff(role="support"))
    if method == "get":
        assert client.get(url).status_code == 403
    else:
        assert client.post_form(url, {"proforma": "HPF-000001", "note": "x"}, token_from="/staff/").status_code == 403


def test_support_staff_do_not_see_the_bank_statements_entry(client, make, login_staff):
    login_staff(client, make.make_staff(role="support"))
    assert "/staff/payments/unmatched" not in client.get("/staff/").get_data(as_text=True)


def test_unmatched_list_filters_and_staff_match_or_dismiss_lines(billing, session, proformas, make):
    _upload(billing, "camt053_v02.xml")
    page = billing.get("/staff/payments/unmatched").get_data(as_text=True)
    assert page.count('id="line-') == 3 and "Vasile Georgescu" in page and "Maria Pop" in page
    filtered = billing.get("/staff/payments/unmatched?q=georgescu").get_data(as_text=True)
    assert filtered.count('id="line-') == 2 and "Maria Pop" not in filtered
    assert billing.get("/staff/payments/unmatched?q=%25_'%22").status_code == 200
    assert billing.get("/staff/payments/unmatched?q=a%00b").status_code == 200  # PostgreSQL refuses NUL bytes

    no_ref, other = session.scalars(select(BankStatementLine).where(BankStatementLine.reason == "no_reference")
                                    .order_by(BankStatementLine.id)).all()
    small = make.make_proforma(proformas["customer"], amount="10.00", today=ISSUED)  # total 12.10
    session.commit()
    # 75.00 for a proforma of 12.10: it pays it and the 62.90 more is the customer's credit balance (docs/payments.md)
    resp = billing.post_form(f"/staff/payments/lines/{other.id}/match", {"proforma": small.code},
                             token_from="/staff/payments/unmatched")
    assert resp.status_code == 303
    assert "62.90 RON more is now the customer&#39;s credit balance" in billing.get(
        resp.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Invoice, small.id).status == "paid"
    assert balance(session, small.customer_id, "RON") == Decimal("62.90")

    p5 = make.make_proforma(proformas["customer"], amount="61.98", today=ISSUED)  # total 75.00
    resp = billing.post_form(f"/staff/payments/lines/{no_ref.id}/match", {"proforma": p5.code.lower()},
                             token_from="/staff/payments/unmatched")
    assert resp.status_code == 303
    session.expire_all()
    assert session.get(Invoice, p5.id).status == "paid"
    assert session.get(BankStatementLine, no_ref.id).status == "matched"
    assert f"recorded as the payment of {p5.code}" in billing.get(resp.headers["Location"]).get_data(as_text=True)

    paid_twice = session.scalar(select(BankStatementLine).where(BankStatementLine.reason == "not_unpaid"))
    resp = billing.post_form(f"/staff/payments/lines/{paid_twice.id}/dismiss", {"note": ""},
                             token_from="/staff/payments/unmatched")
    assert resp.status_code == 422 and "Say why the line is dismissed." in resp.get_data(as_text=True)
    resp = billing.post_form(f"/staff/payments/lines/{paid_twice.id}/dismiss", {"note": "refunded by bank"},
                             token_from="/staff/payments/unmatched")
    assert resp.status_code == 303
    session.expire_all()
    assert session.get(BankStatementLine, paid_twice.id).status == "dismissed"
    assert billing.get("/staff/payments/unmatched").get_data(as_text=True).count('id="line-') == 0
    dismissed = billing.get("/staff/payments/unmatched?status=dismissed").get_data(as_text=True)
    assert "refunded by bank" in dismissed
    # a decided line cannot be decided again
    resp = billing.post_form(f"/staff/payments/lines/{paid_twice.id}/match", {"proforma": "HPF-000003"},
                             token_from="/staff/payments/unmatched")
    assert resp.status_code == 422 and "already matched, dismissed or credited" in resp.get_data(as_text=True)
    assert billing.post_form("/staff/payments/lines/999999/dismiss", {"note": "x"},
                             token_from="/staff/payments/unmatched").status_code == 404


def test_unmatched_page_runs_the_same_queries_for_few_and_many_lines(app, billing, session, proformas):
    _upload(billing, "camt053_v02.xml")
    with count_queries(app) as few:
        assert billing.get("/staff/payments/unmatched").status_code == 200
    for n in range(80):
        session.add(BankStatementLine(import_id=1, entry_key=f"x|{n}", amount="1.00", currency="RON",
                                      booking_date=proformas["p1"].issue_date, status="unmatched",
                                      remittance=f"HPF-00000{n % 4 + 1}", proforma_id=proformas["p2"].id))
    session.commit()
    with count_queries(app) as many:
        page = billing.get("/staff/payments/unmatched").get_data(as_text=True)
    assert few["n"] == many["n"]
    assert page.count('id="line-') == 50 and "Older lines" in page


def test_command_imports_a_statement_and_prints_the_counts(runner, session, proformas):
    path = str(DATA / "camt053_v02.xml")
    result = runner.invoke(args=["payments", "import", path])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "matched 3, unmatched 3, already imported 1"
    result = runner.invoke(args=["payments", "import", path])
    assert result.output.strip() == "matched 0, unmatched 0, already imported 7"
    # The same account's MT940 for the next day: the bank reference BT2611300002 is known already; the
    # reference-less 75.00 reads differently in MT940 than in CAMT, so it is new to the import.
    result = runner.invoke(args=["payments", "import", str(DATA / "mt940_overlap.sta")])
    # ... and its 242.00 for HPF-000004 is more than the 142.00 left after the 100.00 advance: it pays it, and
    # the 100.00 more is the customer's credit balance
    assert result.output.strip() == "matched 1, unmatched 2, already imported 1"
    assert balance(session, proformas["customer"].id, "RON") == Decimal("100.00")


def test_command_refuses_a_bad_file_and_records_nothing(runner, session, tmp_path):
    bad = tmp_path / "x.xml"
    bad.write_bytes(b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"/>')
    result = runner.invoke(args=["payments", "import", str(bad)])
    assert result.exit_code != 0
    assert "not a CAMT.053 bank-to-customer statement" in result.output
    assert _count(session, BankStatementImport) == 0


def test_a_file_over_the_upload_limit_gets_a_clear_message(app, billing, session):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    big = sample("camt053_v02.xml") + b" " * (80 * 1024)
    resp = _upload(billing, "big.xml", big)
    assert resp.status_code == 413
    assert "The file is too large: at most 0.0625 MB" in resp.get_data(as_text=True)
    assert _count(session, BankStatementImport) == 0
