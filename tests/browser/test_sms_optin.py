"""Browser: the SMS opt-in in My Details saves inline with htmx, without a page reload."""

from sqlalchemy import select

from hostico.models import Customer
from tests.browser.conftest import browser_login
from tests.factories import PASSWORD


def test_customer_turns_sms_on_inline_without_reload(page, make, session):
    customer = make.make_customer(name="Ioana Marin")
    browser_login(page, customer.email, PASSWORD)
    page.wait_for_url("**/")
    page.goto("/my-details")
    page.evaluate("window.__noReload = 'still here'")
    assert "replies are not read" in page.locator("#contact").inner_text()

    # Ticking the box without a number: a clear error at the field, nothing saved.
    page.check("input[name=sms_opt_in]")
    error = page.locator("#phone-error")
    error.wait_for()
    assert "Enter your mobile number" in error.inner_text()

    page.fill("input[name=phone]", "0722 123 456")
    if not page.is_checked("input[name=sms_opt_in]"):
        page.check("input[name=sms_opt_in]")
    else:
        page.click("#sms-form button[type=submit]")
    page.locator("#contact-status").wait_for()
    assert "SMS notifications are on for +40 722 123 456." in page.locator("#contact-status").inner_text()
    assert page.is_checked("input[name=sms_opt_in]")
    assert page.evaluate("window.__noReload") == "still here"  # no navigation happened
    assert page.url.endswith("/my-details")

    session.expire_all()
    saved = session.scalars(select(Customer).where(Customer.id == customer.id)).one()
    assert saved.sms_opt_in and saved.phone_e164 == "+40722123456" and saved.sms_consent_at is not None

    # Unticking turns it off, inline too.
    page.uncheck("input[name=sms_opt_in]")
    page.get_by_text("SMS notifications are off.").first.wait_for()
    assert page.evaluate("window.__noReload") == "still here"
    session.expire_all()
    assert not session.get(Customer, customer.id).sms_opt_in
