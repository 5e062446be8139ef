"""The email layout is fluid (docs/notifications.md#email-layout): chromium shows every money email at 390 and
320 px wide without a horizontal scroll, the pay button inside the screen."""

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.billing.hosting_services import suspend_service
from hostico.billing.payments import record_payment
from hostico.models import OutboxMessage, utcnow
from hostico.notify.events import notify
from hostico.notify.render import render
from hostico.notify.settings import NotifySettings


@pytest.fixture
def emails(session, make, settings):
    customer = make.make_customer(language="en", name="Ana-Maria Constantinescu-Bălănescu")
    service = make.make_service(customer, domain="un-domeniu-foarte-lung-pentru-un-magazin-online.ro")
    proforma = make.make_proforma(customer, service=service, amount="1234.56", today=dt.date(2026, 12, 1),
                                  description="Găzduire web Business Plus, " + "perioadă prelungită " * 4)
    notify(session, "proforma_system", customer, invoice=proforma)
    notify(session, "reminder", customer, invoice=proforma)
    suspend_service(session, service, reason="nonpayment", cause=proforma)
    paid = make.make_proforma(customer, amount="10.00")
    record_payment(session, paid.id, amount=paid.total, method="card", settings=settings, today=dt.date.today())
    session.commit()
    messages = session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "email")).all()
    assert {m.event for m in messages} >= {"proforma_system", "reminder", "suspension", "payment_receipt"}
    return {m.event: render(session, m, NotifySettings(), utcnow()).html for m in messages}


@pytest.mark.parametrize("width", [390, 320])
def test_money_emails_fit_a_phone_without_horizontal_scroll(browser, emails, width):
    context = browser.new_context(viewport={"width": width, "height": 844}, java_script_enabled=True)
    try:
        page = context.new_page()
        for event, html in emails.items():
            page.set_content(html)
            scroll, inner = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
            assert scroll <= inner, f"{event} is {scroll}px wide at {width}px"
            button = page.locator(".pay-button")
            if button.count():
                box = button.first.bounding_box()
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, event
    finally:
        context.close()
