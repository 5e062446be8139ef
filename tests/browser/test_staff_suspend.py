"""Staff journey in a browser: log in with password and TOTP code, suspend a service for abuse."""

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
    card.locator("button:has-text('Suspend')").click()

    page.wait_for_selector(".flash-success")
    assert "phishing-example.ro is suspended (abuse)" in page.locator(".flash-success").inner_text()
    card = page.locator(f"#service-{service.id}")
    assert card.locator(".badge-suspended").inner_text() == "suspended"
    assert "Suspended for abuse" in card.inner_text()
    assert card.locator("button:has-text('Unsuspend')").is_visible()

    session.expire_all()
    assert session.get(Service, service.id).status == "suspended"
    channels = sorted(session.scalars(select(OutboxMessage.channel).where(OutboxMessage.service_id == service.id)))
    assert channels == ["email", "sms"]
