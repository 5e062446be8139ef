"""What is owed, at a glance (docs/client-area.md): the total due and a banner per suspended service on the
dashboard, "Pay all" and each Pay straight to the gateway, the multi-pay refusal at its field, the statuses past due,
partly credited and credited; in English and Romanian, without JavaScript (plain form posts)."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing.corrections import credit_tax_invoice
from hostico.billing.hosting_services import suspend_service
from hostico.billing.payments import record_payment
from hostico.models import Checkout, Invoice

HOSTED = re.compile(r"/sandbox-gateway/checkout/")
LONG_AGO = dt.date.today() - dt.timedelta(days=40)


@pytest.fixture
def customer(make, client, login_as):
    c = make.make_customer(name="Ana Restanță")
    login_as(client, c)
    return c


@pytest.fixture
def suspended(make, session, customer):
    """A service suspended for nonpayment of an overdue proforma, and a second, current proforma."""
    service = make.make_service(customer, domain="blog-ana.ro")
    overdue = make.make_proforma(customer, service=service, amount="19.00", today=LONG_AGO)
    current = make.make_proforma(customer, amount="100.00")
    suspend_service(session, service, reason="nonpayment", note="Proforma overdue past the grace period")
    session.commit()
    return service, overdue, current


def _checkout_codes(session) -> list[str]:
    checkout = session.scalars(select(Checkout).order_by(Checkout.id.desc())).first()
    ids = [item.invoice_id for item in checkout.items]
    return sorted(session.scalars(select(Invoice.code).where(Invoice.id.in_(ids))))


def test_dashboard_leads_with_the_total_due_and_a_banner_per_suspended_service(client, suspended):
    service, overdue, current = suspended
    page = client.get("/").get_data(as_text=True)
    total = overdue.total + current.total  # 22.99 + 121.00
    assert page.index("Total due") < page.index("To pay") < page.index("Active services")
    assert f"{total:.2f} RON" in page and f"Pay all ({total:.2f} RON)" in page
    banner = page[page.index('class="banner banner-suspended"'):].split("</section>")[0]
    assert (f"blog-ana.ro is suspended: proforma {overdue.code} (22.99 RON) is not paid. Pay it and the service "
            "starts again.") in banner
    assert f'action="/invoices/{overdue.code}/pay"' in banner and "Pay 22.99 RON" in banner
    assert "past due" in page  # the overdue proforma's status


def test_dashboard_in_romanian(client, suspended):
    _service, overdue, current = suspended
    page = client.get("/?lang=ro").get_data(as_text=True)
    total = f"{overdue.total + current.total:.2f}".replace(".", ",")
    assert "Total de plată" in page and f"Plătiți tot ({total} lei)" in page
    assert f"blog-ana.ro este suspendat: proforma {overdue.code} (22,99 lei) nu este plătită." in page
    assert "restantă" in page and "Plătiți 22,99 lei" in page


def test_nothing_owed_says_so_and_offers_no_payment(client, customer):
    page = client.get("/").get_data(as_text=True)
    assert "Nothing to pay. Thank you!" in page and "Pay all" not in page and "banner" not in page


def test_a_suspension_for_abuse_has_no_pay_button(client, make, session, customer):
    service = make.make_service(customer, domain="phishing.ro")
    suspend_service(session, service, reason="abuse", note="CERT-RO")
    session.commit()
    banner = client.get("/").get_data(as_text=True).split('class="banner banner-suspended"')[1].split("</section>")[0]
    assert "phishing.ro is suspended (abuse). Write to us to have it started again." in banner
    assert "<form" not in banner and "CERT-RO" not in banner  # the staff note stays inside


def test_pay_all_goes_straight_to_the_gateway_with_every_unpaid_proforma(client, session, suspended):
    _service, overdue, current = suspended
    page = client.get("/").get_data(as_text=True)
    form = page[page.index('action="/invoices/pay"'):].split("</form>")[0]
    codes = re.findall(r'name="invoice" value="([^"]+)"', form)
    assert sorted(codes) == sorted([overdue.code, current.code])
    resp = client.post_form("/invoices/pay", {"invoice": codes}, token_from="/")
    assert resp.status_code == 303 and HOSTED.search(resp.headers["Location"])
    assert _checkout_codes(session) == sorted([overdue.code, current.code])


def test_pay_in_a_row_goes_straight_to_the_gateway_for_that_proforma_only(client, session, suspended):
    _service, overdue, current = suspended
    listing = client.get("/invoices").get_data(as_text=True)
    assert f'name="pay_one" value="{current.code}"' in listing and f"/invoices/{current.code}/pay" not in listing
    # A box ticked elsewhere does not join the one whose Pay was pressed.
    resp = client.post_form("/invoices/pay", {"pay_one": current.code, "invoice": [overdue.code]},
                            token_from="/invoices")
    assert resp.status_code == 303 and HOSTED.search(resp.headers["Location"])
    assert _checkout_codes(session) == [current.code]


def test_pay_selected_with_nothing_ticked_says_so_at_the_boxes_without_javascript(client, session, suspended):
    listing = client.get("/invoices").get_data(as_text=True)
    assert 'class="btn btn-small pay-selected"' in listing  # app.js disables it until a box is ticked
    resp = client.post_form("/invoices/pay", {}, token_from="/invoices")
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    error = body[body.index('id="pay-several-error"'):].split("</div>")[0]
    assert "Tick at least one unpaid proforma to pay, then press the button." in error
    assert 'aria-describedby="pay-several-hint pay-several-error"' in body
    assert session.scalar(select(Checkout.id)) is None  # nothing started
    ro = client.post_form("/invoices/pay?lang=ro", {}, token_from="/invoices").get_data(as_text=True)
    assert "Bifați cel puțin o proformă neplătită, apoi apăsați butonul." in ro


def test_statuses_past_due_partly_credited_and_credited(client, make, session, settings, customer):
    late = make.make_proforma(customer, amount="10.00", today=LONG_AGO)
    paid = make.make_proforma(customer, amount="100.00")
    record_payment(session, paid.id, amount=paid.total, method="card", settings=settings, today=dt.date.today())
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == paid.id))
    credit_tax_invoice(session, tax, settings=settings, today=dt.date.today(), reason="x", amount=Decimal("21.00"))
    session.commit()

    def badge(page: str, code: str) -> str:
        row = page[page.index(f'id="invoice-{code}"'):].split("</tr>")[0]
        return re.search(r'class="badge badge-([a-z_]+)">([^<]+)<', row).groups()

    listing = client.get("/invoices").get_data(as_text=True)
    assert badge(listing, late.code) == ("overdue", "past due")
    assert badge(listing, paid.code) == ("partly_credited", "partly credited")  # one row: proforma and tax invoice
    assert f'href="/invoices/{tax.code}"' in listing.split(f'id="invoice-{paid.code}"')[1].split("</tr>")[0]
    assert "badge-partly_credited" in client.get(f"/invoices/{tax.code}").get_data(as_text=True)
    ro = client.get("/invoices?lang=ro").get_data(as_text=True)
    assert badge(ro, late.code) == ("overdue", "restantă")
    assert badge(ro, paid.code) == ("partly_credited", "parțial creditată")

    credit_tax_invoice(session, tax, settings=settings, today=dt.date.today(), reason="rest")
    session.commit()
    assert badge(client.get("/invoices?lang=en").get_data(as_text=True), paid.code) == ("credited", "credited")
    assert badge(client.get("/invoices?kind=tax").get_data(as_text=True), tax.code) == ("credited", "credited")
    page = client.get(f"/invoices/{tax.code}?lang=ro").get_data(as_text=True)
    assert '<span class="badge badge-credited">stornată</span>' in page


def test_the_dashboard_reads_no_invoice_lines_however_many_proformas_are_unpaid(client, session, suspended):
    """What is owed reads the proformas' columns, not their entities (which load every line, one more query per
    500 proformas): the dashboard's statements do not grow with the unpaid proformas (bench/run.py, section b)."""
    from sqlalchemy import event

    client.get("/")
    statements = []

    def count(conn, cursor, statement, params, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(session.get_bind(), "before_cursor_execute", count)
    try:
        body = client.get("/").get_data(as_text=True)
    finally:
        event.remove(session.get_bind(), "before_cursor_execute", count)
    _service, overdue, current = suspended
    assert f"Pay all ({overdue.total + current.total:.2f} RON)" in body and "Pay 22.99 RON" in body
    assert not [s for s in statements if "invoice_lines.description" in s], statements
