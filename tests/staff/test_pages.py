"""Staff pages: dashboard, customer search, the customer page, the audit log; bounded SQL queries."""

import datetime as dt
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import event

from hostico.audit import record
from hostico.models import BillingRun, OutboxMessage, utcnow
from hostico.web.database import db


@contextmanager
def count_queries(app):
    """Count the SQL statements the app runs inside the block."""
    counter = {"n": 0}

    def on_execute(*_args):
        counter["n"] += 1

    with app.app_context():
        engine = db.get(app).engine
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


@pytest.fixture
def staff_client(client, make_staff, login_staff):
    login_staff(client, make_staff("support"))
    return client


def test_dashboard_shows_what_needs_attention(staff_client, make, session):
    c = make.make_customer(name="Late Payer")
    overdue = make.make_proforma(c, today=dt.date.today() - dt.timedelta(days=30))
    make.make_proforma(c)
    make.make_service(c, domain="down.ro", status="suspended", suspension_reason="abuse", suspended_at=utcnow())
    session.add(OutboxMessage(channel="sms", event="suspension", dedupe_key="d1", customer_id=c.id,
                              recipient="+40722123456", template="suspension", context={}, status="dead",
                              last_error="invalid number"))
    session.add(BillingRun(run_date=dt.date.today(), status="finished", finished_at=utcnow(),
                           summary={"renewals_issued": 7, "suspended": 2}))
    session.commit()
    page = staff_client.get("/staff/").get_data(as_text=True)
    assert 'data-stat="overdue">1<' in page and 'data-stat="unpaid">2<' in page
    assert 'data-stat="suspended">1<' in page and 'data-stat="dead">1<' in page
    assert overdue.code in page and "down.ro" in page and "invalid number" in page
    assert "renewals issued" in page and "<dd>7</dd>" in page


def test_dashboard_runs_a_bounded_number_of_queries(app, staff_client, make):
    def seed(n):
        for _ in range(n):
            c = make.make_customer()
            make.make_proforma(c, today=dt.date.today() - dt.timedelta(days=30))
            make.make_service(c, status="suspended", suspension_reason="other", suspended_at=utcnow())

    seed(2)
    with count_queries(app) as small:
        staff_client.get("/staff/")
    seed(25)
    with count_queries(app) as large:
        staff_client.get("/staff/")
    assert large["n"] == small["n"]


@pytest.mark.parametrize("field", ["name", "email", "company", "cui", "invoice"])
def test_search_finds_customers_by_each_field(staff_client, make, field):
    target = make.make_customer(name="Ioana Vlad", email="ioana.vlad@example.ro")
    make.make_profile(target, kind="company", company_name="Vlad Hosting SRL", cui="34567892")
    inv = make.make_proforma(target)
    other = make.make_customer(name="Someone Else", email="else@example.com")
    make.make_proforma(other)
    q = {"name": "ioana vl", "email": "VLAD@EXAMPLE", "company": "vlad hosting", "cui": "RO34567892",
         "invoice": inv.code}[field]
    page = staff_client.get("/staff/customers", query_string={"q": q}).get_data(as_text=True)
    assert f"/staff/customers/{target.id}" in page
    assert f"/staff/customers/{other.id}" not in page


def test_search_takes_wildcards_literally_and_finds_diacritics(staff_client, make):
    make.make_customer(name="Ștefan Ănescu")
    page = staff_client.get("/staff/customers", query_string={"q": "%"}).get_data(as_text=True)
    assert "No customer matches" in page
    page = staff_client.get("/staff/customers", query_string={"q": "Ștefan"}).get_data(as_text=True)
    assert "Ștefan Ănescu" in page


def test_search_shows_markup_as_text(staff_client, make):
    make.make_customer(name="<script>alert(1)</script>")
    page = staff_client.get("/staff/customers", query_string={"q": "script"}).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


@hsettings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=st.one_of(st.text(max_size=300), st.sampled_from(["'", "%", "_", "\\", "\x00", "' OR 1=1 --",
                                                             "a" * 5000, "ș%_'\"\\"])))
def test_odd_search_input_never_fails(staff_client, q):
    resp = staff_client.get("/staff/customers", query_string={"q": q, "page": "2"})
    assert resp.status_code == 200


@hsettings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(action=st.text(max_size=200), customer=st.text(max_size=30), page=st.text(max_size=10))
def test_odd_audit_filters_never_fail(staff_client, action, customer, page):
    resp = staff_client.get("/staff/audit", query_string={"action": action, "customer": customer, "page": page})
    assert resp.status_code == 200


def test_customer_page_shows_everything_about_the_customer(staff_client, make, session):
    c = make.make_customer(name="Maria <b>Pop</b>", phone_e164="+40722999888", sms_opt_in=True,
                           sms_consent_at=utcnow())
    make.make_profile(c, kind="company", company_name="Pop Web SRL")
    svc = make.make_service(c, domain="maria-pop.ro")
    inv = make.make_proforma(c, service=svc)
    session.add(OutboxMessage(channel="email", event="proforma_system", dedupe_key="p1", customer_id=c.id,
                              invoice_id=inv.id, recipient=c.email, template="proforma_system", context={},
                              status="sent", sent_at=utcnow()))
    record(session, "customer.sms_opt_in", actor_kind="customer", actor_id=c.id, customer_id=c.id,
           data={"phone": "+40722999888"})
    session.commit()
    page = staff_client.get(f"/staff/customers/{c.id}").get_data(as_text=True)
    assert "Maria &lt;b&gt;Pop&lt;/b&gt;" in page
    for text in ("+40722999888", "Pop Web SRL", "maria-pop.ro", inv.code, "Renewal proforma",
                 "customer.sms_opt_in", "Suspend"):
        assert text in page, text
    assert "Issue a proforma" not in page  # support may not issue proformas


def test_customer_page_runs_a_bounded_number_of_queries(app, staff_client, make, session):
    c = make.make_customer()
    make.make_profile(c)

    def seed(n):
        for i in range(n):
            svc = make.make_service(c)
            inv = make.make_proforma(c, service=svc)
            session.add(OutboxMessage(channel="email", event="proforma_system", dedupe_key=f"k{inv.id}",
                                      customer_id=c.id, invoice_id=inv.id, recipient=c.email,
                                      template="proforma_system", context={}))
            record(session, "x.test", customer_id=c.id)
        session.commit()

    seed(2)
    with count_queries(app) as small:
        assert staff_client.get(f"/staff/customers/{c.id}").status_code == 200
    seed(20)
    with count_queries(app) as large:
        staff_client.get(f"/staff/customers/{c.id}")
    assert large["n"] == small["n"]


def test_invoice_page_runs_a_bounded_number_of_queries(app, staff_client, make):
    c = make.make_customer()
    inv = make.make_proforma(c)
    with count_queries(app) as counter:
        assert staff_client.get(f"/staff/invoices/{inv.code}").status_code == 200
    assert counter["n"] <= 12


def test_audit_log_is_newest_first_filtered_and_paginated(staff_client, make, session):
    a, b = make.make_customer(name="Alpha"), make.make_customer(name="Beta")
    for i in range(55):
        record(session, "service.suspended", actor_kind="staff", actor_id=1, customer_id=a.id, data={"i": i})
    record(session, "payment.recorded", customer_id=b.id, data={"i": "b"})
    session.commit()
    page = staff_client.get("/staff/audit").get_data(as_text=True)
    assert page.index("payment.recorded") < page.index("service.suspended")
    assert "Older" in page
    page = staff_client.get("/staff/audit", query_string={"customer": b.id}).get_data(as_text=True)
    assert "payment.recorded" in page and "service.suspended" not in page
    page = staff_client.get("/staff/audit", query_string={"action": "service."}).get_data(as_text=True)
    assert "payment.recorded" not in page and '<li>i: 54</li>' in page
    page2 = staff_client.get("/staff/audit", query_string={"action": "service.", "page": 2}).get_data(as_text=True)
    assert '<li>i: 0</li>' in page2 and '<li>i: 54</li>' not in page2 and "Newer" in page2


def test_billing_run_page_shows_recent_runs_and_validates_the_date(app, client, make_staff, login_staff, session):
    session.add(BillingRun(run_date=dt.date(2026, 11, 1), status="finished", summary={"renewals_issued": 3}))
    session.commit()
    login_staff(client, make_staff("billing"))
    page = client.get("/staff/billing-run").get_data(as_text=True)
    assert "renewals issued" in page and "Run now" in page
    resp = client.post_form("/staff/billing-run", {"today": "2001-01-01", "confirm": "y"},
                            token_from="/staff/billing-run")
    assert resp.status_code == 422 and "Choose a date within a year of today." in resp.get_data(as_text=True)
    resp = client.post_form("/staff/billing-run", {"today": dt.date.today().isoformat()},
                            token_from="/staff/billing-run")
    assert resp.status_code == 422 and "Tick the box to confirm." in resp.get_data(as_text=True)


ODD = st.one_of(st.text(max_size=400), st.sampled_from(["", "'", "%", "\x00", "<b>x</b>", "a" * 5000, "-1",
                                                        "1e9999", "NaN", "Infinity", "ș" * 301]))


@hsettings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=ODD, number=ODD)
def test_odd_input_in_every_staff_form_never_fails(app, client, make_staff, login_staff, make, text, number):
    """Whatever staff type into a form, the answer is a page or a redirect with a message, never a 500."""
    if not getattr(client, "_odd_world", None):
        login_staff(client, make_staff("admin"))
        customer = make.make_customer()
        client._odd_world = (customer, make.make_service(customer), make.make_proforma(customer))
        client._odd_token = client.csrf_token("/staff/")
    customer, service, proforma = client._odd_world
    posts = {
        f"/staff/services/{service.id}/suspend": {"reason": text, "note": text, "confirm": "yes"},
        f"/staff/customers/{customer.id}/proformas": {"services": number, "profile": number, "description": text,
                                                     "amount": number},
        f"/staff/invoices/{proforma.code}/payment": {"amount": number, "reference": text, "key": text,
                                                    "payer": "other", "payer_name": text, "payer_cui": number,
                                                    "payer_address": text, "payer_city": text,
                                                    "payer_country": text},
        f"/staff/invoices/{proforma.code}/resend": {"nonce": text},
        "/staff/billing-run": {"today": text, "confirm": number},
    }
    for url, data in posts.items():
        resp = client.post(url, data={**data, "csrf_token": client._odd_token})
        assert resp.status_code < 500, (url, data)


@pytest.mark.parametrize("customer", ["3000000000", "-5", "0", str(2**63)])
def test_audit_filter_by_an_out_of_range_customer_id_never_fails(staff_client, customer):
    resp = staff_client.get("/staff/audit", query_string={"customer": customer})
    assert resp.status_code == 200
