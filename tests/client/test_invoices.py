"""My Invoices: the list, its filters and pages (bounded SQL), and the invoice page."""

import datetime as dt
import re
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy import text as sql_text

from hostico.billing.credit_notes import issue_credit_note
from hostico.billing.payments import record_payment
from hostico.web.database import db
from tests.factories import vies_answer


def pay(session, settings, proforma):
    payment = record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                             today=dt.date.today(), reference="test")
    session.commit()
    return payment


def rows(body):
    return re.findall(r'<tr id="invoice-([A-Z]+-\d+)"', body)


@pytest.fixture
def customer(make, client, login_as):
    c = make.make_customer(name="Ion Ștefănescu")
    login_as(client, c)
    return c


def test_list_shows_newest_first_with_number_dates_total_status_and_actions(client, make, customer, session,
                                                                             settings):
    old = make.make_proforma(customer, amount="10.00", today=dt.date(2026, 1, 5))
    new = make.make_proforma(customer, amount="20.00", today=dt.date(2026, 3, 1))
    pay(session, settings, old)
    body = client.get("/invoices").get_data(as_text=True)
    codes = rows(body)
    assert codes == [new.code, old.code]  # the tax invoice of `old` is in its row
    old_row = body[body.index(f'id="invoice-{old.code}"'):].split("</tr>")[0]
    assert 'href="/invoices/HST-000001"' in old_row and 'href="/invoices/HST-000001.pdf"' in old_row
    new_row = body[body.index(f'id="invoice-{new.code}"'):].split("</tr>")[0]
    assert "24.20" in new_row and "past due" in new_row  # 20.00 + 21% VAT, due in March
    assert f'form="pay-several" name="pay_one" value="{new.code}"' in new_row  # Pay goes straight to the gateway
    assert f'hx-get="/invoices/{new.code}/edit"' in new_row
    assert f'href="/invoices/{new.code}.pdf"' in new_row
    assert "/edit" not in old_row and "pay_one" not in old_row  # paid proformas and tax invoices: no Edit, no Pay
    assert f'href="/invoices/{old.code}.pdf"' in old_row
    tax_row = client.get("/invoices?kind=tax").get_data(as_text=True)
    assert rows(tax_row) == ["HST-000001"] and "/edit" not in tax_row and "pay_one" not in tax_row


def test_filters_by_status_and_kind(client, make, customer, session, settings):
    unpaid = make.make_proforma(customer)
    paid = make.make_proforma(customer)
    pay(session, settings, paid)
    assert rows(client.get("/invoices?status=unpaid").get_data(as_text=True)) == [unpaid.code]
    # A paid proforma and its tax invoice are one row, unless the list shows tax invoices only.
    assert rows(client.get("/invoices?status=paid").get_data(as_text=True)) == [paid.code]
    assert rows(client.get("/invoices?kind=tax").get_data(as_text=True)) == ["HST-000001"]
    assert set(rows(client.get("/invoices?kind=proforma").get_data(as_text=True))) == {unpaid.code, paid.code}
    assert rows(client.get("/invoices?status=paid&kind=proforma").get_data(as_text=True)) == [paid.code]
    assert len(rows(client.get("/invoices?status=all").get_data(as_text=True))) == 2


@pytest.mark.parametrize("query", ["status=%27%20OR%201=1--", "kind=<script>", "page=-5", "page=abc",
                                   "page=99999999999999999999", "status=" + "x" * 3000, "kind=%E2%80%AE"])
def test_odd_filter_input_never_fails(client, make, customer, query):
    inv = make.make_proforma(customer)
    resp = client.get("/invoices?" + query)
    assert resp.status_code == 200
    assert inv.code in resp.get_data(as_text=True)


def test_pagination_twenty_per_page_and_keeps_filters(client, make, customer):
    codes = [make.make_proforma(customer).code for _ in range(25)]
    first = client.get("/invoices?status=unpaid").get_data(as_text=True)
    assert rows(first) == list(reversed(codes))[:20]
    assert 'href="/invoices?page=2&amp;status=unpaid&amp;kind=all"' in first
    second = client.get("/invoices?page=2&status=unpaid").get_data(as_text=True)
    assert rows(second) == list(reversed(codes))[20:]
    beyond = client.get("/invoices?page=50").get_data(as_text=True)
    assert rows(beyond) == rows(second)  # past the end: the last page


def _count_queries(client, url):
    statements = []

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.get(client.application).engine, "before_cursor_execute", count)
    try:
        resp = client.get(url)
    finally:
        event.remove(db.get(client.application).engine, "before_cursor_execute", count)
    assert resp.status_code == 200
    return len(statements)


@contextmanager
def _list_statements(client):
    """Collect (SQL, parameters) of the list statements the app sends meanwhile."""
    sent: list[tuple[str, object]] = []

    def keep(conn, cursor, statement, params, context, executemany):
        if "list_total" in statement:
            sent.append((statement, params))

    engine = db.get(client.application).engine
    event.listen(engine, "before_cursor_execute", keep)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", keep)


def test_the_list_offset_is_written_into_its_sql_so_postgresql_keeps_one_generic_plan(client, make, customer):
    # With OFFSET as a parameter PostgreSQL re-planned the prepared list statement on every request (its generic
    # plan looked dearer than a custom one); the page's offset in the SQL text lets the first page keep one plan.
    for _ in range(25):
        make.make_proforma(customer)
    with _list_statements(client) as sent:
        first = client.get("/invoices").get_data(as_text=True)
        second = client.get("/invoices?page=2").get_data(as_text=True)
    assert [f"OFFSET {offset})" in statement for (statement, _), offset in zip(sent, (0, 20))] == [True, True]
    assert not any("offset" in name for _, params in sent if isinstance(params, dict) for name in params)
    assert len(rows(first)) == 20 and len(rows(second)) == 5 and not set(rows(first)) & set(rows(second))


def test_the_list_joins_tax_invoices_to_the_page_s_rows_only_whatever_the_statistics(engine_name, client, make,
                                                                                     customer, session):
    """With statistics saying a customer's invoices are much of the table, PostgreSQL joined every invoice of the
    customer to its tax invoice before sorting and cutting the page: the page is chosen first now."""
    if engine_name != "postgres":
        pytest.skip("the plan is PostgreSQL's (EXPLAIN ANALYZE)")
    for _ in range(60):
        make.make_proforma(customer)
    engine = db.get(client.application).engine
    with engine.connect() as conn:
        conn.execute(sql_text("ANALYZE invoices"))
        conn.commit()
    with _list_statements(client) as sent:
        assert client.get("/invoices").status_code == 200
    (statement, params), = sent
    with engine.connect() as conn:
        cursor = conn.connection.dbapi_connection.cursor()
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, params)
        plan = cursor.fetchone()[0][0]["Plan"]

    def nodes(node):
        yield node
        for child in node.get("Plans", []):
            yield from nodes(child)

    tax_lookups = [n["Actual Loops"] for n in nodes(plan) if n.get("Alias") == "newest_tax"]
    assert tax_lookups and max(tax_lookups) <= 20, tax_lookups


def test_the_list_reads_changes_the_request_has_not_flushed_yet(app, make, customer):
    from flask_login import login_user

    from hostico.client.invoice_list import list_page, service_rows
    from hostico.models import Customer, Invoice

    service = make.make_service(customer)
    proforma = make.make_proforma(customer, service=service, today=dt.date(2026, 3, 1))
    with app.test_request_context("/invoices"):
        login_user(db.session.get(Customer, customer.id))
        db.session.get(Invoice, proforma.id).due_date = dt.date(2031, 1, 2)  # pending in the session, not flushed
        rows, total, _ = list_page("all", "all", 1)
        assert [(row.code, row.due_date) for row in rows] == [(proforma.code, dt.date(2031, 1, 2))] and total == 1
        assert [row.due_date for row in service_rows(service.id, 5)] == [dt.date(2031, 1, 2)]
        db.session.rollback()


def test_list_runs_the_same_number_of_queries_for_10_and_60_invoices(client, make, customer, session, settings):
    for _ in range(10):
        make.make_proforma(customer)
    pay(session, settings, make.make_proforma(customer))
    few = _count_queries(client, "/invoices")
    few_filtered = _count_queries(client, "/invoices?status=paid")
    for _ in range(50):
        make.make_proforma(customer)
    many = _count_queries(client, "/invoices")
    many_filtered = _count_queries(client, "/invoices?status=paid")
    assert few == many
    assert few_filtered == many_filtered
    assert many <= 8


def test_invoice_page_shows_every_field_of_a_romanian_invoice(client, make, customer, app):
    profile = make.make_profile(customer, kind="company", company_name="Ștefănescu Web SRL", cui="34567892",
                                reg_com="J12/3456/2015", vat_number="RO34567892")
    inv = make.make_proforma(customer, profile=profile, amount="100.00", description="Hosting Starter")
    body = client.get(f"/invoices/{inv.code}").get_data(as_text=True)
    for text in ("Hostico SRL", "RO18547290", "J40/12345/2006", "Ștefănescu Web SRL", "34567892", "J12/3456/2015",
                 "RO34567892", "Str. Lungă nr. 5", "Brașov", "Romania", "HPF", "000001", "Hosting Starter",
                 "RON", "100.00", "21.00", "121.00", "Issue date", "Due date",
                 "Subtotal (without VAT)", "VAT (21%)"):
        assert text in body, text
    # ways to pay an unpaid proforma: card, and bank transfer with the proforma number as reference
    assert f'action="/invoices/{inv.code}/pay"' in body
    assert app.config["SELLER_IBAN"] in body
    assert "Payment reference" in body
    assert "History" in body and "Issued" in body


def test_proforma_and_tax_invoice_link_each_other(client, make, customer, session, settings):
    inv = make.make_proforma(customer)
    payment = pay(session, settings, inv)
    tax_code = "HST-000001"
    proforma_page = client.get(f"/invoices/{inv.code}").get_data(as_text=True)
    assert f'href="/invoices/{tax_code}"' in proforma_page
    assert "/pay" not in proforma_page and "Edit billing data" not in proforma_page
    tax_page = client.get(f"/invoices/{tax_code}").get_data(as_text=True)
    assert f'href="/invoices/{inv.code}"' in tax_page
    assert payment.tax_invoice_id is not None


def test_credit_note_links_the_tax_invoice_it_corrects(client, make, customer, session, settings):
    from hostico.models import Invoice

    pay(session, settings, make.make_proforma(customer))
    tax = session.query(Invoice).filter_by(kind="tax").one()
    note = issue_credit_note(session, tax, settings=settings, today=dt.date.today(), reason="duplicate")
    session.commit()
    tax_page = client.get(f"/invoices/{tax.code}").get_data(as_text=True)
    assert f'href="/invoices/{note.code}"' in tax_page
    note_page = client.get(f"/invoices/{note.code}").get_data(as_text=True)
    assert f'href="/invoices/{tax.code}"' in note_page and "Storno" in note_page
    assert "Edit" not in rows(client.get("/invoices").get_data(as_text=True))


def test_reverse_charge_is_mentioned(client, make, customer):
    profile = make.make_profile(customer, kind="company", company_name="Berlin GmbH", cui="DE136695976",
                                vat_number="DE136695976", country="DE", county=None, city="Berlin",
                                vies=vies_answer("DE136695976"))
    inv = make.make_proforma(customer, profile=profile, amount="50.00")
    body = client.get(f"/invoices/{inv.code}").get_data(as_text=True)
    assert "Reverse charge" in body and "Germany" in body
    assert "0%" in body


def test_another_customers_invoice_and_pdf_answer_404(client, make, customer):
    other = make.make_customer()
    theirs = make.make_proforma(other)
    assert client.get(f"/invoices/{theirs.code}").status_code == 404
    assert client.get(f"/invoices/{theirs.code}.pdf").status_code == 404
    assert client.get(f"/invoices/{theirs.code}/edit").status_code == 404
    assert client.get("/invoices/NOPE-1.pdf").status_code == 404


def test_company_name_with_markup_is_shown_as_text(client, make, customer):
    profile = make.make_profile(customer, kind="company", company_name="<script>alert(1)</script> SRL")
    inv = make.make_proforma(customer, profile=profile)
    for url in (f"/invoices/{inv.code}", "/invoices"):
        body = client.get(url).get_data(as_text=True)
        assert "&lt;script&gt;alert(1)&lt;/script&gt; SRL" in body
        assert "<script>alert(1)" not in body


def test_htmx_filter_returns_only_the_table(client, make, customer):
    inv = make.make_proforma(customer)
    resp = client.get("/invoices?status=unpaid", headers={"HX-Request": "true"})
    body = resp.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="invoice-table">') and "<html" not in body
    assert inv.code in body
    assert "HX-Request" in resp.headers["Vary"]


def test_list_is_one_statement_besides_the_login_and_shows_the_newest_pending_change(client, make, customer,
                                                                                   session):
    from hostico.models import PendingBillingEdit

    first = make.make_proforma(customer)
    second = make.make_proforma(customer)
    older = make.make_profile(customer, kind="company", company_name="Older Change SRL", cui="34567892")
    newer = make.make_profile(customer, kind="person", name="Newer Change")
    session.add_all([PendingBillingEdit(invoice_id=first.id, customer_id=customer.id, billing_profile_id=older.id),
                     PendingBillingEdit(invoice_id=first.id, customer_id=customer.id, billing_profile_id=newer.id)])
    session.commit()
    client.get("/invoices")
    statements = []

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(statement)

    event.listen(db.get(client.application).engine, "before_cursor_execute", count)
    try:
        body = client.get("/invoices").get_data(as_text=True)
    finally:
        event.remove(db.get(client.application).engine, "before_cursor_execute", count)
    # the logged-in customer; the page with its total, pending changes and the credit balance (docs/client-area.md)
    assert len(statements) == 2
    first_row = body[body.index(f'id="invoice-{first.code}"'):].split("</tr>")[0]
    second_row = body[body.index(f'id="invoice-{second.code}"'):].split("</tr>")[0]
    assert "Change to Newer Change waiting for approval" in first_row and "Older Change" not in first_row
    assert "waiting for approval" not in second_row
    assert "Page 1 of 1 · 2 invoices" in body
    romanian = client.get("/invoices?lang=ro").get_data(as_text=True)  # the row macro translates without context
    assert "Schimbarea pe Newer Change așteaptă aprobarea" in romanian and "Pagina 1 din 1 · 2 facturi" in romanian


def test_another_customers_pending_change_never_shows_in_my_list(client, make, customer, session):
    from hostico.models import PendingBillingEdit

    mine = make.make_proforma(customer)
    other = make.make_customer(name="Someone Else")
    theirs = make.make_profile(other, kind="person", name="Their Profile")
    session.add(PendingBillingEdit(invoice_id=mine.id, customer_id=other.id, billing_profile_id=theirs.id))
    session.commit()
    body = client.get("/invoices").get_data(as_text=True)
    assert mine.code in body and "Their Profile" not in body and "waiting for approval" not in body


def test_the_first_page_after_login_keeps_the_session_cookie_and_its_csrf_token_works(client, make):
    from tests.factories import PASSWORD

    c = make.make_customer()
    resp = client.post_form("/login", {"email": c.email, "password": PASSWORD})
    assert resp.status_code in (302, 303)
    page = client.get("/invoices")
    assert page.status_code == 200
    assert "Set-Cookie" not in page.headers  # the login response's session already had its CSRF secret
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf_token": token}).status_code in (302, 303)


def _row(body, code):
    return body[body.index(f'id="invoice-{code}"'):].split("</tr>")[0]


def test_a_remembered_row_follows_every_change_of_its_invoice_and_the_language(client, make, customer, session,
                                                                              settings, app):
    proforma = make.make_proforma(customer, amount="20.00")
    first = client.get("/invoices").get_data(as_text=True)
    assert app.extensions["hostico_invoice_rows"]  # the rows were remembered...
    again = client.get("/invoices").get_data(as_text=True)
    tbody = lambda page: page[page.index("<tbody>"):page.index("</tbody>")]  # noqa: E731 - the CSRF token may differ
    assert tbody(again) == tbody(first)  # ...and give the same rows
    assert "unpaid" in _row(first, proforma.code) and "pay_one" in _row(first, proforma.code)
    pay(session, settings, proforma)
    paid = _row(client.get("/invoices").get_data(as_text=True), proforma.code)
    assert "unpaid" not in paid and "paid" in paid and "pay_one" not in paid
    romanian = _row(client.get("/invoices?lang=ro").get_data(as_text=True), proforma.code)
    assert "plătită" in romanian and "Vedeți" in romanian
    buyer = dict(proforma.buyer, name="Firma Nouă SRL")
    session.get(type(proforma), proforma.id).buyer = buyer
    session.commit()
    assert "Firma Nouă SRL" in _row(client.get("/invoices?lang=en").get_data(as_text=True), proforma.code)


def test_remembered_rows_are_bounded(client, make, customer, app, monkeypatch):
    from hostico.client import invoice_list

    monkeypatch.setattr(invoice_list, "ROW_CACHE_SIZE", 3)
    for _ in range(5):
        make.make_proforma(customer)
    body = client.get("/invoices").get_data(as_text=True)
    remembered = sum(map(len, app.extensions["hostico_invoice_rows"].values()))
    assert len(rows(body)) == 5 and 0 < remembered <= 3


def _invoice_row(invoice_id: int, **changes):
    from decimal import Decimal

    from hostico.client.invoice_list import InvoiceRow

    row = InvoiceRow(id=invoice_id, code=f"HST-{invoice_id:06d}", kind="proforma", status="issued",
                     issue_date=dt.date(2026, 1, 2), due_date=dt.date(2026, 1, 16), currency="RON",
                     buyer_json='{"kind": "person", "name": "Ion"}', reverse_charge=False, total=Decimal("12.00"),
                     amount_paid=Decimal("0.00"), credited=Decimal("0.00"), tax_code=None, tax_total=None,
                     tax_credited=None, pending_name=None, today=dt.date(2026, 1, 5))
    return row._replace(**changes)


def test_a_remembered_row_is_reused_only_for_an_equal_row_the_same_language_and_links(app):
    """Rows are remembered by invoice id, with the row they were rendered from: anything else renders again."""
    from decimal import Decimal

    from markupsafe import Markup

    from hostico.client.invoice_list import InvoiceLinks, cached_invoice_rows

    rendered = []

    def macro(inv, pending_name, links, L):
        rendered.append((inv, L["lang"]))
        return Markup("<tr>{} {} {}</tr>").format(inv.code, inv.total, L["lang"]) if inv.id != 3 else "<b>plain</b>"

    with app.test_request_context("/invoices"):
        links = InvoiceLinks()
        first = [_invoice_row(1), _invoice_row(2)]
        page = cached_invoice_rows(macro, first, links, {"lang": "en"}, "en")
        assert page == Markup("<tr>HST-000001 12.00 en</tr>\n<tr>HST-000002 12.00 en</tr>") and len(rendered) == 2
        equal = [_invoice_row(1), _invoice_row(2)]  # new objects, equal values: as the next request reads them
        assert cached_invoice_rows(macro, equal, links, {"lang": "en"}, "en") == page and len(rendered) == 2

        paid = _invoice_row(2, amount_paid=Decimal("12.00"))  # the same invoice, changed
        later = _invoice_row(1, today=dt.date(2026, 1, 17))  # the same row read on another day
        again = cached_invoice_rows(macro, [later, paid], links, {"lang": "en"}, "en")
        assert rendered[2:] == [(later, "en"), (paid, "en")] and again == page  # rendered again, not served
        assert cached_invoice_rows(macro, [later, paid], links, {"lang": "en"}, "en") == page and len(rendered) == 4

        romanian = cached_invoice_rows(macro, [later], links, {"lang": "ro"}, "ro")
        assert romanian == Markup("<tr>HST-000001 12.00 ro</tr>") and rendered[4:] == [(later, "ro")]
        links.key = (("/elsewhere/", ""),)  # other link prefixes: another scope
        cached_invoice_rows(macro, [later], links, {"lang": "ro"}, "ro")
        assert len(rendered) == 6

        text_row = cached_invoice_rows(macro, [_invoice_row(3)], links, {"lang": "ro"}, "ro")
        assert text_row == Markup("&lt;b&gt;plain&lt;/b&gt;")  # a str is escaped, as Markup.join escaped it
        assert cached_invoice_rows(macro, [_invoice_row(3)], links, {"lang": "ro"}, "ro") == text_row


def test_a_row_shows_the_company_and_its_cui_or_the_persons_name_from_the_buyer_snapshot(client, make, customer):
    """The list reads the snapshot as stored JSON text and decodes it only to render a row (both engines)."""
    company = make.make_profile(customer, kind="company", company_name="Ștefănescu Web SRL", cui="34567892",
                                name="Contact Person")
    by_company = make.make_proforma(customer, profile=company)
    by_person = make.make_proforma(customer)
    body = client.get("/invoices").get_data(as_text=True)
    company_row, person_row = _row(body, by_company.code), _row(body, by_person.code)
    assert '<span class="buyer-name">Ștefănescu Web SRL</span>' in company_row
    assert "34567892" in company_row and "Contact Person" not in company_row
    assert f'<span class="buyer-name">{by_person.buyer["name"]}</span>' in person_row
    assert "CUI" not in person_row
