"""Staff journey in a browser: log in with password and TOTP code, suspend a service for abuse (the browser
asks to confirm; without JavaScript a confirmation page does, tests/staff/test_confirm_actions.py)."""

import pyotp
from sqlalchemy import select

from hostico.accounts.second_factor import new_secret
from hostico.models import OutboxMessage, Service, utcnow
from tests.factories import PASSWORD


def test_staff_log_in_and_suspend_a_service_for_abuse(page, make, session):
    secret = new_secret()
    staff = make.make_staff(role="support", totp_secret=secret, totp_enabled=True)
    customer = make.make_customer(name="Abuzul Clientului", phone_e164="+40722123456", sms_opt_in=True,
                                  sms_consent_at=utcnow())
    service = make.make_service(customer, domain="phishing-example.ro")

    page.goto("/staff/customers")  # not logged in: the staff login
    page.wait_for_url("**/staff/login**")
    page.fill("input[name=email]", staff.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/login/code")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    page.click("button[type=submit]")
    page.wait_for_url("**/staff/customers")

    page.fill("input[name=q]", "Abuzul")
    page.click("button:has-text('Search')")
    page.click("a:has-text('Abuzul Clientului')")
    card = page.locator(f"#service-{service.id}")
    card.locator("select[name=reason]").select_option("abuse")
    card.locator("input[name=note]").fill("Phishing kit reported by CERT-RO")
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.accept()))
    card.locator("button:has-text('Suspend')").click()

    page.wait_for_selector(".flash-success")
    assert questions == ["Suspend phishing-example.ro? The customer is notified."]  # htmx asked first
    assert "phishing-example.ro is suspended (abuse)" in page.locator(".flash-success").inner_text()
    card = page.locator(f"#service-{service.id}")
    assert card.locator(".badge-suspended").inner_text() == "suspended"
    assert "Suspended for abuse" in card.inner_text()
    assert card.locator("button:has-text('Unsuspend')").is_visible()

    session.expire_all()
    assert session.get(Service, service.id).status == "suspended"
    channels = sorted(session.scalars(select(OutboxMessage.channel).where(OutboxMessage.service_id == service.id)))
    assert channels == ["email", "sms"]


def test_without_javascript_a_termination_asks_on_a_page_first(browser, live_server, make, session):
    """No JavaScript: Terminate shows what will happen, "No, go back" changes nothing, the second button does it."""

    staff = make.make_staff(role="admin", totp_secret=new_secret(), totp_enabled=True)
    customer = make.make_customer(name="Fără Script")
    service = make.make_service(customer, domain="fara-script.ro")
    context = browser.new_context(base_url=live_server, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/staff/login")
        page.fill("input[name=email]", staff.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.fill("input[name=code]", pyotp.TOTP(staff.totp_secret).now())
        page.click("button[type=submit]")
        page.goto(f"/staff/customers/{customer.id}")
        page.locator(f"#service-{service.id} button:has-text('Terminate')").click()
        assert page.locator("h1").inner_text() == "Terminate fara-script.ro?"
        page.click("text=No, go back")
        session.expire_all()
        assert session.get(Service, service.id).status == "active"
        page.locator(f"#service-{service.id} button:has-text('Terminate')").click()
        page.click("button:has-text('Yes, terminate fara-script.ro')")
        assert "fara-script.ro is terminated." in page.locator(".flash-success").inner_text()
        session.expire_all()
        assert session.get(Service, service.id).status == "terminated"
    finally:
        context.close()
