"""Browser journey: follow a mail-login link (minted as the notification worker does) to the invoice page."""

import datetime as dt
import logging

from playwright.sync_api import expect

from hostico.maillogin import links


def _link(session, live_server, customer, invoice, sent_at=None) -> str:
    url = links.invoice_link(session, customer_id=customer.id, invoice_id=invoice.id, invoice_code=invoice.code,
                             sent_at=sent_at or dt.datetime.now(dt.UTC), base_url=live_server,
                             secret_key="test-secret-key")
    session.commit()
    return url


def test_mail_link_opens_the_invoice_without_the_token_in_the_address_bar(page, make, session, live_server, caplog):
    c = make.make_customer(name="Victor Mail")
    inv = make.make_proforma(c)
    url = _link(session, live_server, c, inv)
    responses = []
    page.on("response", lambda r: responses.append(r) if "/m/" in r.url else None)
    caplog.set_level(logging.INFO, logger="werkzeug")
    page.goto(url)
    page.wait_for_url(f"**/invoices/{inv.code}")
    assert "/m/" not in page.url
    expect(page.get_by_role("heading", name=f"Proforma {inv.code}")).to_be_visible()
    expect(page.locator(".who")).to_have_text("Victor Mail")  # logged in as the link's customer
    assert responses and responses[0].headers["referrer-policy"] == "no-referrer"
    assert responses[0].headers["cache-control"] == "no-store"
    # The server's request log shows the path without the token.
    token = url.rsplit("/m/", 1)[1]
    assert "GET /m/[redacted]" in caplog.text and token not in caplog.text


def test_expired_mail_link_explains_and_logs_in_to_the_invoice(page, make, session, live_server):
    from tests.factories import PASSWORD

    c = make.make_customer()
    inv = make.make_proforma(c)
    url = _link(session, live_server, c, inv, sent_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=8))
    page.goto(url)
    page.wait_for_url("**/login?**")
    expect(page.get_by_text("This link can no longer log you in.")).to_be_visible()
    page.fill("input[name=email]", c.email)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"**/invoices/{inv.code}")
