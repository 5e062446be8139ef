"""A visitor signs up, confirms the address from the email, orders a plan and sees its proforma; staff open an
account and the customer chooses the password from the invitation (docs/accounts.md). Pages at 390x844 too."""

import os
import re

from hostico.accounts.second_factor import new_secret
from tests.browser.conftest import ARTIFACTS, browser_staff_login
from tests.factories import PASSWORD


def shot(page, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, f"{name}.png"), full_page=True)


def test_sign_up_confirm_order_and_see_the_proforma(page, make, inbox):
    product = make.make_product(monthly="19.00", annual="190.00")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/login")
    page.get_by_role("link", name="New customer? Open an account").click()
    page.wait_for_url("**/signup")
    page.fill("input[name=name]", "Vlad Înscris")
    page.fill("input[name=email]", "vlad@example.com")
    page.fill("input[name=password]", "vlad-passphrase-1")
    page.select_option("select[name=language]", "en")
    shot(page, "signup_390")
    page.get_by_role("button", name="Open my account").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    assert page.locator("input[name=website]").count() == 0

    page.goto(inbox.link("vlad@example.com"))
    page.wait_for_url("**/signup/confirm")
    page.get_by_role("button", name="Confirm my email address").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.get_by_text("Your email address is confirmed").wait_for()
    shot(page, "signup_confirmed_390")

    page.goto("/order")
    page.locator(f"input[name=product][value='{product.id}']").check()
    page.select_option("select[name=cycle]", "annual")
    page.fill("input[name=domain]", "vlad-inscris.ro")
    page.fill("input[name=address]", "Str. Memorandumului nr. 28")
    page.fill("input[name=city]", "Cluj-Napoca")
    page.select_option("select[name=county]", "RO-CJ")
    page.fill("input[name=postal_code]", "400114")
    page.get_by_role("button", name="Place order").click()
    page.wait_for_url(re.compile(r".*/invoices/HPF-\d{6}$"))
    assert "229.90" in page.content().replace(",", ".")
    shot(page, "signup_proforma_390")


def test_staff_create_a_customer_who_sets_the_password_from_the_invitation(page, make, inbox, browser, live_server):
    secret = new_secret()
    staff = make.make_staff(email="desk@example.com", role="support", totp_secret=secret, totp_enabled=True)
    browser_staff_login(page, staff.email, PASSWORD, secret, start="/staff/customers")
    page.wait_for_url("**/staff/customers")
    page.get_by_role("link", name="New customer").click()
    page.wait_for_url("**/staff/customers/new")
    page.fill("input[name=account-name]", "Irina Invitată")
    page.fill("input[name=account-email]", "irina@example.com")
    page.select_option("select[name=account-language]", "en")
    page.get_by_role("button", name="Create and send the invitation").click()
    page.wait_for_url(re.compile(r".*/staff/customers/\d+$"))
    page.get_by_text("Invitation not accepted yet").wait_for()

    customer_context = browser.new_context(base_url=live_server, viewport={"width": 390, "height": 844})
    customer_context.route("https://cdn.jsdelivr.net/**", lambda route: route.abort())
    customer = customer_context.new_page()
    customer.goto(inbox.link("irina@example.com"))
    customer.wait_for_url("**/invitation")
    customer.fill("input[name=password]", "irina-passphrase")
    customer.fill("input[name=confirm]", "irina-passphrase")
    shot(customer, "invitation_390")
    customer.get_by_role("button", name="Save my password").click()
    # Logged in; with no billing data yet, the client area asks for it first.
    customer.wait_for_url(re.compile(r".*/my-details/billing-data.*"))
    customer.get_by_text("Your password is saved").wait_for()
    customer_context.close()
