"""In a real browser: edit a proforma's billing data inline, without a page reload."""

from tests.browser.conftest import browser_login
from tests.factories import PASSWORD


def test_customer_bills_a_proforma_to_a_company_inline(page, make, session, settings):
    customer = make.make_customer(name="Ion Popescu")
    proforma = make.make_proforma(customer, amount="100.00")
    browser_login(page, customer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/invoices")
    page.evaluate("window.__noReload = 'still here'")
    row = page.locator(f"#invoice-{proforma.code}")
    assert "121.00" in row.locator(".invoice-total").inner_text()

    row.get_by_role("link", name="Edit").click()
    form = page.locator(f"#invoice-{proforma.code} form")
    form.wait_for()
    # The form opens on the profile the proforma bills (its fields hidden); new data is typed after choosing so.
    assert form.get_by_label("Bill to").input_value() == str(proforma.billing_profile_id)
    form.get_by_label("Bill to").select_option("")
    form.get_by_label("a legal entity").check()
    assert not form.get_by_label("Full name").is_visible()  # only the chosen kind's fields show
    form.get_by_label("Company name").fill("Berliner Hosting GmbH")
    form.get_by_label("VAT number, if VAT-registered").fill("DE136695976")
    form.get_by_label("Street address").fill("Unter den Linden 1")
    form.get_by_label("City").fill("Berlin")
    form.get_by_label("County (județ)").select_option("")
    form.get_by_label("Country").select_option("DE")
    form.get_by_role("button", name="Save").click()

    page.locator(f"#invoice-{proforma.code} .row-message").wait_for()
    row = page.locator(f"#invoice-{proforma.code}")
    assert "Berliner Hosting GmbH" in row.locator(".buyer-name").inner_text()
    assert "20.00" in row.locator(".invoice-total").inner_text()  # abroad: EUR at the fake BNR rate 5.0000, 0% VAT
    assert "updated" in row.locator(".row-message").inner_text()
    assert page.evaluate("window.__noReload") == "still here"  # swapped in place, no page load


def test_inline_errors_then_a_refusal_when_paid_meanwhile(page, make, session, settings):
    import datetime as dt

    from hostico.billing.payments import record_payment

    customer = make.make_customer(name="Ion Popescu")
    proforma = make.make_proforma(customer, amount="100.00")
    browser_login(page, customer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/invoices")
    page.evaluate("window.__noReload = 'still here'")
    page.locator(f"#invoice-{proforma.code}").get_by_role("link", name="Edit").click()
    form = page.locator(f"#invoice-{proforma.code} form")
    form.wait_for()
    form.get_by_label("Bill to").select_option("")  # new billing data, typed in
    form.get_by_label("CNP (optional)").fill("1234567890123")
    form.get_by_role("button", name="Save").click()
    page.locator(f"#edit-{proforma.code}-cnp-error").wait_for()
    assert "CNP" in page.locator(f"#edit-{proforma.code}-cnp-error").inner_text()

    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                   today=dt.date.today())
    session.commit()
    form = page.locator(f"#invoice-{proforma.code} form")
    form.get_by_label("CNP (optional)").fill("")
    form.get_by_role("button", name="Save").click()
    message = page.locator(f"#invoice-{proforma.code} .row-error")
    message.wait_for()
    assert "has been paid" in message.inner_text()
    assert page.locator(f"#invoice-{proforma.code}").get_by_role("link", name="Edit").count() == 0
    assert page.evaluate("window.__noReload") == "still here"
