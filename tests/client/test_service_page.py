"""A service's page (docs/client-area.md#a-services-page): its invoices, one row per purchase like My Invoices, and
what the customer can do in its state (pay what is due straight at the gateway, support for the rest); only the
customer's own; a bounded number of SQL statements; English and Romanian, and plain form posts without JavaScript."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from hostico.billing.hosting_services import suspend_service
from hostico.billing.payments import record_payment
from hostico.models import Checkout, Invoice
from tests.staff.test_pages import count_queries

LONG_AGO = dt.date.today() - dt.timedelta(days=40)


@pytest.fixture
def customer(make, client, login_as):
    c = make.make_customer(name="Ana Serviciu")
    login_as(client, c)
    return c


def _rows(page: str) -> list[str]:
    return re.findall(r'<tr id="invoice-([A-Z0-9-]+)"', page)


def test_the_page_lists_the_services_invoices_one_row_per_purchase(client, make, session, settings, customer):
    service = make.make_service(customer, domain="magazin-ana.ro")
    other = make.make_service(customer, domain="alt-site.ro")
    paid = make.make_proforma(customer, service=service, amount="19.00", today=LONG_AGO)
    record_payment(session, paid.id, amount=paid.total, method="bank_transfer", settings=settings,
                   today=LONG_AGO + dt.timedelta(days=1))
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == paid.id))
    unpaid = make.make_proforma(customer, service=service, amount="19.00")
    elsewhere = make.make_proforma(customer, service=other, amount="50.00")
    stranger = make.make_customer()
    foreign = make.make_proforma(stranger, service=make.make_service(stranger), amount="7.00")
    session.commit()

    page = client.get(f"/services/{service.id}?lang=en").get_data(as_text=True)
    assert "Invoices for this service" in page
    assert _rows(page) == [unpaid.code, paid.code]  # newest first; the tax invoice shares its proforma's row
    paid_row = page[page.index(f'id="invoice-{paid.code}"'):].split("</tr>")[0]
    assert f">{tax.code}</a>" in paid_row and "badge-paid" in paid_row
    for code in (elsewhere.code, foreign.code):
        assert code not in page
    ro = client.get(f"/services/{service.id}?lang=ro").get_data(as_text=True)
    assert "Facturile acestui serviciu" in ro and _rows(ro) == [unpaid.code, paid.code]
    empty = client.get(f"/services/{make.make_service(customer, domain='gol.ro').id}?lang=en")
    assert "No invoices for this service yet." in empty.get_data(as_text=True)


def test_an_unpaid_proforma_is_paid_from_the_service_page_straight_at_the_gateway_without_javascript(
        client, make, session, customer):
    service = make.make_service(customer, domain="blog-ana.ro")
    overdue = make.make_proforma(customer, service=service, amount="19.00", today=LONG_AGO)
    suspend_service(session, service, reason="nonpayment", note="overdue")
    session.commit()
    page = client.get(f"/services/{service.id}?lang=en").get_data(as_text=True)
    actions = page[page.index('class="card service-actions"'):].split("</section>")[0]
    assert f"Proforma {overdue.code}: 22.99 RON, past due since" in actions
    assert "Paying it reactivates the service." in actions
    assert f'<form method="post" action="/invoices/{overdue.code}/pay">' in actions
    assert 'name="csrf_token"' in actions and "Pay 22.99 RON by card" in actions
    assert "mailto:" in actions  # cancelling is not a customer action: support is
    resp = client.post_form(f"/invoices/{overdue.code}/pay", {}, token_from=f"/services/{service.id}")
    assert resp.status_code == 303 and "/sandbox-gateway/checkout/" in resp.headers["Location"]
    assert session.scalar(select(Checkout.id)) is not None
    ro = client.get(f"/services/{service.id}?lang=ro").get_data(as_text=True)
    assert "Plătiți 22,99 lei cu cardul" in ro and "Plata ei reactivează serviciul." in ro
    assert f"Proforma {overdue.code}: 22,99 lei, restantă din" in ro
    current = make.make_proforma(customer, service=service, amount="10.00")
    session.commit()
    page = client.get(f"/services/{service.id}?lang=en").get_data(as_text=True)
    assert f"Proforma {current.code}: 12.10 RON to pay by" in page


def test_an_active_service_with_nothing_due_says_so_and_offers_support_not_invented_actions(
        client, make, session, customer):
    service = make.make_service(customer, domain="liniste.ro", next_due_date=dt.date(2027, 3, 31))
    session.commit()
    page = client.get(f"/services/{service.id}?lang=en").get_data(as_text=True)
    actions = page[page.index('class="card service-actions"'):].split("</section>")[0]
    assert "Nothing to pay now. The renewal proforma comes before Mar 31, 2027." in actions
    assert "<form" not in actions  # no cancel or renew button: the product has none for customers
    assert re.search(r'<a href="mailto:[^"]+@[^"]+">', actions)
    ended = make.make_service(customer, domain="gata.ro", status="terminated")
    session.commit()
    assert "This service has ended." in client.get(f"/services/{ended.id}?lang=en").get_data(as_text=True)
    ro = client.get(f"/services/{service.id}?lang=ro").get_data(as_text=True)
    assert "Nimic de plată acum." in ro and "Ce puteți face" in ro


def test_another_customers_service_is_not_found(client, make, customer):
    stranger = make.make_customer()
    theirs = make.make_service(stranger)
    make.make_proforma(stranger, service=theirs)
    assert client.get(f"/services/{theirs.id}").status_code == 404


def test_the_page_runs_the_same_number_of_queries_for_one_invoice_or_many(app, client, make, session, customer):
    service = make.make_service(customer)
    make.make_proforma(customer, service=service)
    session.commit()
    client.get(f"/services/{service.id}")  # warm up (templates, settings)
    with count_queries(app) as one:
        assert client.get(f"/services/{service.id}").status_code == 200
    for _ in range(12):
        make.make_proforma(customer, service=service)
    session.commit()
    client.get(f"/services/{service.id}")  # the same warm-up: the test shares the app's session, expired by commit
    with count_queries(app) as many:
        page = client.get(f"/services/{service.id}").get_data(as_text=True)
    assert len(_rows(page)) == 13
    assert many["n"] == one["n"] <= 8
