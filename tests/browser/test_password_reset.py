"""A customer who forgot the password resets it from the login page and logs in with the new one
(docs/accounts.md, "Password reset"); the pages read well on a phone (390x844)."""

import os

from tests.browser.conftest import ARTIFACTS, browser_login


def test_forgotten_password_reset_from_the_login_page(page, make, inbox):
    customer = make.make_customer(name="Ioana Uitucă", email="ioana@example.com")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/login")
    page.get_by_role("link", name="Forgot your password?").click()
    page.wait_for_url("**/password/reset")
    page.fill("input[name=email]", customer.email)
    page.get_by_role("button", name="Email me a link").click()
    page.get_by_role("heading", name="Check your email").wait_for()
    os.makedirs(ARTIFACTS, exist_ok=True)
    page.screenshot(path=os.path.join(ARTIFACTS, "password_reset_sent_390.png"), full_page=True)

    page.goto(inbox.link(customer.email))
    page.wait_for_url("**/password/reset/new")  # the token is out of the address bar
    assert "/a/" not in page.url
    page.fill("input[name=password]", "my-new-passphrase")
    page.fill("input[name=confirm]", "my-new-passphrase")
    page.screenshot(path=os.path.join(ARTIFACTS, "password_reset_new_390.png"), full_page=True)
    page.get_by_role("button", name="Save the new password").click()
    page.wait_for_url("**/login")
    page.get_by_text("Your password was changed").wait_for()

    browser_login(page, customer.email, "my-new-passphrase")
    page.wait_for_url("**/")
    page.get_by_role("heading", name="Hello, Ioana Uitucă").wait_for()
