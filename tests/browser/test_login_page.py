"""The first browser journey: log in through the real page and reach the dashboard."""

from tests.browser.conftest import browser_login
from tests.factories import PASSWORD


def test_customer_logs_in_through_the_page(page, make):
    c = make.make_customer(name="Radu Ene")
    browser_login(page, c.email, PASSWORD)
    page.wait_for_url("**/")
    assert page.get_by_role("heading", name="Hello, Radu Ene").is_visible()
    assert page.get_by_role("link", name="My Invoices").is_visible()
    # htmx came from the local fallback (the CDN is blocked in browser tests).
    assert page.evaluate("typeof window.htmx") == "object"


def test_wrong_password_shows_error_at_the_field(page, make):
    c = make.make_customer()
    browser_login(page, c.email, "wrong-password")
    assert page.locator(".field-error").inner_text() == "Wrong email or password."
    assert page.url.endswith("/login")
