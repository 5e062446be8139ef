"""A customer orders a plan in the browser and pays its proforma with the sandbox card."""

import re

from sqlalchemy import select

from hostico.models import Invoice, Service
from tests.browser.conftest import browser_login
from tests.factories import PASSWORD


def test_customer_orders_a_plan_and_pays_the_proforma_by_card(page, make, session):
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
    assert "Your order is placed" in page.locator(".flash").inner_text()
    assert "229.90" in page.content().replace(",", ".")  # 190.00 + 21 % VAT
    proforma_url = page.url

    page.locator("a[href$='/pay']").first.click()  # "Pay now" here, "Pay by card" on main
    page.wait_for_url("**/pay")
    page.fill("input[name=cardholder]", "Ioana Radu")
    page.fill("input[name=card_number]", "4000 0000 0000 0002")
    page.fill("input[name=expiry]", "12/39")
    page.fill("input[name=cvc]", "123")
    page.locator("form.stack button[type=submit]").click()
    assert page.locator("#card_number-error").inner_text() == "The card was declined."
    assert page.url.endswith("/pay")

    page.fill("input[name=card_number]", "4242 4242 4242 4242")
    page.fill("input[name=cvc]", "123")
    page.locator("form.stack button[type=submit]").click()
    page.wait_for_url("**/invoices/HST-000001")
    assert "Payment received" in page.locator(".flash").inner_text()
    assert page.get_by_role("heading", name=re.compile("HST-000001")).is_visible()

    session.expire_all()
    assert session.scalars(select(Service)).one().status == "active"
    proforma = session.scalars(select(Invoice).where(Invoice.kind == "proforma")).one()
    assert proforma.status == "paid" and proforma_url.endswith(proforma.code)
