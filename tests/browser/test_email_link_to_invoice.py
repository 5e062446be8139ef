"""Browser: follow the invoice-number link of an email captured by a real SMTP server to the invoice page."""

import datetime as dt
import email
import re
from email import policy

from hostico.billing.run import run_billing
from hostico.web.database import db


def test_following_the_email_link_opens_the_invoice(page, live_server, app, make, settings, smtp_server, deliver):
    customer = make.make_customer(name="Sorin Marin")
    make.make_service(customer, domain="sorin-marin.ro", next_due_date=dt.date.today() + dt.timedelta(days=3))
    with app.app_context():
        run_billing(db.session, settings, dt.date.today())
    deliver()
    msg = email.message_from_bytes(smtp_server.messages[0].content, policy=policy.default)
    html = msg.get_body(("html",)).get_content()
    link, code = re.search(r'<a href="([^"]+/m/[^"]+)"[^>]*>(HPF-\d+)</a>', html).groups()
    assert link.startswith(live_server)
    page.goto(link)
    page.wait_for_url(f"**/invoices/{code}")
    assert "/m/" not in page.url  # the token left the address bar
    assert page.get_by_role("heading", name=re.compile(code)).is_visible()
    assert page.get_by_text("sorin-marin.ro").first.is_visible()
    assert page.get_by_role("button", name="Log out").is_visible()
