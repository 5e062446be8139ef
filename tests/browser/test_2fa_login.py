"""Browser journey: enrol 2FA in My Details (scan = read the secret from the page), log out, log in with a code."""

import datetime as dt

import pyotp
from playwright.sync_api import expect

from tests.browser.conftest import browser_login
from tests.factories import PASSWORD


def test_customer_enrols_2fa_then_logs_in_with_a_code(page, make):
    c = make.make_customer(name="Elena Totp")
    browser_login(page, c.email, PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="My Details").click()
    page.get_by_role("button", name="Set up two-factor authentication").click()
    page.wait_for_url("**/my-details/2fa/setup")
    qr = page.locator("img.qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")  # the QR image really renders
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")  # shown in groups of four
    totp = pyotp.TOTP(secret)
    page.fill("input[name=code]", totp.now())
    page.fill("input[name=password]", PASSWORD)  # always asked: a copied session cookie is not enough
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    expect(page.get_by_role("heading", name="Your recovery codes")).to_be_visible()
    expect(page.locator("ul.recovery-codes li")).to_have_count(10)
    codes = page.locator("ul.recovery-codes code").all_inner_texts()
    expect(page.get_by_role("button", name="Copy")).to_be_visible()  # shown by static/js/app.js
    with page.expect_download() as download:
        page.get_by_role("link", name="Download").click()
    assert download.value.suggested_filename == "hostico-recovery-codes.txt"
    assert open(download.value.path(), encoding="utf-8").read().splitlines()[1:] == codes
    page.get_by_role("link", name="I have saved my codes").click()
    expect(page.locator("#security")).to_contain_text("Two-factor authentication: on")

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url("**/login")
    browser_login(page, c.email, PASSWORD)
    page.wait_for_url("**/login/2fa")
    # The enrolment code was used: log in with the next step's code (±1 step is accepted).
    page.fill("input[name=code]", totp.at(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=30)))
    page.get_by_role("button", name="Verify").click()
    page.wait_for_url("**/")
    expect(page.get_by_role("heading", name="Hello, Elena Totp")).to_be_visible()


def test_wrong_code_is_shown_at_the_field(page, make):
    secret = pyotp.random_base32()
    c = make.make_customer(totp_secret=secret, totp_enabled=True)
    browser_login(page, c.email, PASSWORD)
    page.wait_for_url("**/login/2fa")
    good = pyotp.TOTP(secret).now()
    page.fill("input[name=code]", f"{(int(good) + 3) % 1000000:06d}")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator(".field-error")).to_contain_text("Wrong code")
    assert page.url.endswith("/login/2fa")
