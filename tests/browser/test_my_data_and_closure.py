"""In a real browser at 390x844 (docs/accounts.md): a customer downloads their data (a ZIP that opens and holds the
JSON and every invoice's PDF), closes the account (password and the confirmation box; logged out, the login no
longer works) and staff reopen it; staff open an account with the customer's billing data filled in from ANAF."""

import json
import os
import re
import zipfile

from playwright.sync_api import expect

from hostico.accounts.second_factor import new_secret
from tests.browser.conftest import ARTIFACTS, browser_login, browser_staff_login
from tests.efactura.conftest import anaf_registry  # noqa: F401 - the fake registry fixture
from tests.factories import PASSWORD

PHONE = {"width": 390, "height": 844}


def shot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)


def fits_the_screen(page) -> bool:
    """Nothing wider than the viewport (no sideways scrolling on a phone)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_the_data_download_is_a_zip_with_the_json_and_every_invoice(page, make, tmp_path):
    customer = make.make_customer(name="Ana Descarcă", email="ana@example.com")
    first = make.make_proforma(customer, amount="100.00")
    second = make.make_proforma(customer, amount="40.00")
    page.set_viewport_size(PHONE)
    browser_login(page, customer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/my-details#data")
    button = page.get_by_role("button", name="Download my data")
    button.scroll_into_view_if_needed()
    shot(page, "my_data_390")
    assert fits_the_screen(page)
    with page.expect_download() as info:
        button.click()
    download = info.value
    assert re.fullmatch(r"hostico-data-\d+\.zip", download.suggested_filename)
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        names = set(archive.namelist())
        assert names == {"hostico-data.json", f"invoices/{first.code}.pdf", f"invoices/{second.code}.pdf"}
        data = json.loads(archive.read("hostico-data.json"))
        assert archive.read(f"invoices/{first.code}.pdf").startswith(b"%PDF-")
    text = json.dumps(data, ensure_ascii=False)
    assert "ana@example.com" in text and "Ana Descarcă" in text and first.code in text
    assert "password" not in {key.lower() for key in data.get("account", {})}


def test_closing_logs_out_refuses_the_login_and_staff_reopen_it(page, make, browser, live_server):
    customer = make.make_customer(name="Ion Pleacă", email="ion@example.com")
    page.set_viewport_size(PHONE)
    browser_login(page, customer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/my-details#close-account")
    section = page.locator("#close-account")
    section.get_by_label("Your password").fill(PASSWORD)
    section.get_by_role("button", name="Close my account").click()
    # The confirmation step: without the box ticked nothing happens.
    expect(section.get_by_text("Tick the box to confirm.")).to_be_visible()
    section.get_by_label("Your password").fill(PASSWORD)
    section.get_by_label(re.compile("Yes, close my account")).check()
    shot(page, "close_account_390")
    assert fits_the_screen(page)
    section.get_by_role("button", name="Close my account").click()
    page.wait_for_url("**/login")
    expect(page.get_by_text("Your account is closed")).to_be_visible()
    page.goto("/my-details")
    page.wait_for_url("**/login**")  # logged out

    browser_login(page, "ion@example.com", PASSWORD)
    expect(page.locator(".flash-error, .field-error").first).to_be_visible()
    assert "/login" in page.url
    shot(page, "closed_login_refused_390")

    secret = new_secret()
    staff = make.make_staff(email="desk@example.com", role="support", totp_secret=secret, totp_enabled=True)
    desk = browser.new_context(base_url=live_server, viewport=PHONE)
    desk.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    staff_page = desk.new_page()
    staff_page.set_default_timeout(10_000)
    browser_staff_login(staff_page, staff.email, PASSWORD, secret, start=f"/staff/customers/{customer.id}")
    staff_page.wait_for_url(f"**/staff/customers/{customer.id}")
    staff_page.get_by_role("button", name="Undo the closure (reopen the account)").click()
    expect(staff_page.get_by_text("The account is open again")).to_be_visible()
    shot(staff_page, "staff_reopened_390")
    desk.close()

    browser_login(page, "ion@example.com", PASSWORD)
    page.wait_for_url(re.compile(r".*/$"))
    expect(page.locator(".who").first).to_have_text(re.compile("Ion Pleacă"))  # in the (folded) menu at 390 px


def new_customer_page(page, make, role: str, name: str, email: str) -> None:
    """Log in as staff of a role at 390x844 and type the new customer's name and email."""
    secret = new_secret()
    staff = make.make_staff(email="desk@example.com", role=role, totp_secret=secret, totp_enabled=True)
    page.set_viewport_size(PHONE)
    browser_staff_login(page, staff.email, PASSWORD, secret, start="/staff/customers/new")
    page.wait_for_url("**/staff/customers/new")
    page.fill("input[name=account-name]", name)
    page.fill("input[name=account-email]", email)


def test_staff_create_a_customer_with_a_company_filled_in_from_anaf(page, make, anaf_registry):  # noqa: F811
    new_customer_page(page, make, "support", "Elena Exemplu", "elena@example.com")
    billing = page.locator("details.new-customer-billing")
    assert not page.locator("#billing-address").is_visible()  # collapsed until asked for
    billing.locator("summary").click()
    billing.get_by_label("a legal entity").check()
    page.locator("#billing-cui").press_sequentially("RO34567892", delay=30)
    expect(page.locator("#billing-company_name")).to_have_value("EXEMPLU SRL")
    assert page.locator("#billing-county").input_value() == "RO-BV"
    assert not page.locator("#billing-name").is_visible()  # a company: the person's fields are hidden
    shot(page, "staff_new_customer_billing_390")
    assert fits_the_screen(page)
    page.get_by_role("button", name="Create and send the invitation").click()
    page.wait_for_url(re.compile(r".*/staff/customers/\d+$"))
    expect(page.get_by_text("EXEMPLU SRL").first).to_be_visible()
    expect(page.get_by_text("Invitation not accepted yet")).to_be_visible()


def test_an_invalid_cui_keeps_the_section_open_at_its_error(page, make):
    new_customer_page(page, make, "admin", "Firma Greșită", "gresit@example.com")
    page.locator("details.new-customer-billing summary").click()
    page.get_by_label("a legal entity").check()
    page.fill("#billing-company_name", "GREȘIT SRL")
    page.fill("#billing-cui", "RO34567893")
    page.fill("#billing-address", "Str. Lungă 5")
    page.select_option("#billing-county", "RO-BV")
    page.fill("#billing-city", "Brașov")
    page.get_by_role("button", name="Create and send the invitation").click()
    expect(page.locator("#billing-cui-error")).to_contain_text("This CUI/CIF is not valid")
    assert page.locator("#billing-cui").is_visible()  # the section is open on its error
    shot(page, "staff_new_customer_error_390")
    assert page.url.endswith("/staff/customers/new")
