"""A customer orders a plan and pays by card on the sandbox gateway's hosted page; then pays two
proformas in one checkout. Proformas turn paid only when the gateway's notification arrives."""

import re

from sqlalchemy import select

from hostico.models import Invoice, Service
from tests.browser.conftest import browser_login
from tests.conftest import reconfigure
from tests.factories import PASSWORD


def _status(session, code):
    session.expire_all()
    return session.scalar(select(Invoice.status).where(Invoice.code == code))


def test_customer_orders_a_plan_and_pays_it_on_the_hosted_page(page, make, session, app):
    reconfigure(app, SANDBOX_NOTIFY_DELAY=3)
    customer = make.make_customer(name="Ioana Radu")
    product = make.make_product(monthly="19.00", annual="190.00")
    browser_login(page, customer.email, PASSWORD)
    page.wait_for_url("**/")

    page.get_by_role("link", name="Order hosting").click()
    page.wait_for_url("**/order")
    page.locator(f"input[name=product][value='{product.id}']").check()
    page.select_option("select[name=cycle]", "annual")
    page.fill("input[name=domain]", "ioana-radu.ro")
    page.get_by_role("button", name="Place order").click()

    page.wait_for_url(re.compile(r".*/invoices/HPF-\d{6}$"))
    assert "229.90" in page.content().replace(",", ".")  # 190.00 + 21 % VAT
    code = page.url.rsplit("/", 1)[1]
    assert page.locator("input[name*=card], input[autocomplete^=cc-]").count() == 0

    page.get_by_role("button", name="Pay by card").click()
    page.wait_for_url("**/sandbox-gateway/checkout/**")
    assert "229.90" in page.content().replace(",", ".")
    page.check("input[name=card][value='4000000000000002']")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.wait_for_url("**/checkout/chk_*")
    page.get_by_text("The payment failed: the card was declined").wait_for(timeout=20_000)
    assert _status(session, code) == "unpaid"
    page.get_by_role("button", name="Try again").click()
    page.wait_for_url("**/sandbox-gateway/checkout/**")

    page.check("input[name=card][value='4000000000000077']")  # approved, notification 3 s late
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.wait_for_url("**/checkout/chk_*")
    assert "Waiting for confirmation" in page.locator("#checkout-status").inner_text()
    assert _status(session, code) == "unpaid"  # back from the gateway, but no notification yet

    page.locator("#checkout-status .tax-invoice").wait_for(timeout=20_000)  # htmx polling shows the result
    assert "Payment confirmed" in page.locator("#checkout-status").inner_text()
    assert page.locator("#checkout-status .tax-invoice").inner_text() == "HST-000001"
    assert _status(session, code) == "paid"
    assert session.scalars(select(Service)).one().status == "active"


def test_customer_pays_two_proformas_in_one_checkout(page, make, session, app):
    reconfigure(app, SANDBOX_NOTIFY_DELAY=2)
    customer = make.make_customer()
    first = make.make_proforma(customer, amount="100.00")
    second = make.make_proforma(customer, amount="50.00")
    make.make_proforma(customer, amount="10.00")  # left unpaid
    browser_login(page, customer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/invoices")
    page.check(f"input.pay-select[value='{first.code}']")
    page.check(f"input.pay-select[value='{second.code}']")
    page.get_by_role("button", name="Pay selected by card").click()
    page.wait_for_url("**/sandbox-gateway/checkout/**")
    assert "181.50" in page.content().replace(",", ".")
    page.check("input[name=card][value='4000000000000077']")
    page.get_by_role("button", name=re.compile("^Pay")).click()
    page.wait_for_url("**/checkout/chk_*")
    assert _status(session, first.code) == "unpaid" and _status(session, second.code) == "unpaid"
    page.locator("#checkout-status .tax-invoice").nth(1).wait_for(timeout=20_000)
    assert page.locator("#checkout-status .tax-invoice").all_inner_texts() == ["HST-000001", "HST-000002"]
    assert _status(session, first.code) == "paid" and _status(session, second.code) == "paid"
