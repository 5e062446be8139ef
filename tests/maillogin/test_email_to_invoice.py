"""The whole flow: an email captured by a real SMTP server, its invoice-number link, the invoice page."""

import email
import re
from email import policy

from hostico.billing.run import run_billing
from hostico.web.database import db

LINK_RE = re.compile(r'<a href="(http://[^"]+/m/[^"]+)"[^>]*>(HPF-\d+|HST-\d+)</a>')


def _renewal_email(app, session, make, settings, smtp_server, deliver, today):
    """Issue a renewal proforma through the billing run and deliver its email over SMTP."""
    import datetime as dt

    customer = make.make_customer(name="Elena Stan")
    make.make_service(customer, next_due_date=today + dt.timedelta(days=5))
    with app.app_context():
        summary = run_billing(db.session, settings, today)
    assert summary["proformas_issued"] == 1
    deliver()
    assert len(smtp_server.messages) == 1
    msg = email.message_from_bytes(smtp_server.messages[0].content, policy=policy.default)
    html = msg.get_body(("html",)).get_content()
    link, code = LINK_RE.search(html).groups()
    return customer, msg, link, code


def test_link_in_a_real_email_logs_in_and_shows_the_invoice(app, session, make, settings, smtp_server, deliver):
    import datetime as dt

    customer, msg, link, code = _renewal_email(app, session, make, settings, smtp_server, deliver, dt.date.today())
    assert msg["To"] == customer.email
    assert link in msg.get_body(("plain",)).get_content()  # the text part carries the same link
    client = app.test_client()
    client.get("/login")
    cookie_before = client.get_cookie("session").value
    path = link.split("localhost", 1)[1]
    resp = client.get(path)
    assert resp.status_code == 303 and resp.headers["Location"] == f"/invoices/{code}"
    assert resp.headers["Referrer-Policy"] == "no-referrer" and "no-store" in resp.headers["Cache-Control"]
    assert client.get_cookie("session").value != cookie_before
    page = client.get(f"/invoices/{code}")
    assert page.status_code == 200 and code in page.get_data(as_text=True)
    # Followed again (a mail scanner prefetched it first): still valid within its 7 days.
    assert app.test_client().get(path).headers["Location"] == f"/invoices/{code}"


def test_link_of_a_real_email_for_a_2fa_customer_creates_no_session(app, session, make, settings, smtp_server,
                                                                    deliver):
    import datetime as dt

    from hostico.models import Customer

    customer, _msg, link, code = _renewal_email(app, session, make, settings, smtp_server, deliver,
                                                dt.date.today())
    c = session.get(Customer, customer.id)
    c.totp_secret, c.totp_enabled = "JBSWY3DPEHPK3PXP", True
    session.commit()
    client = app.test_client()
    resp = client.get(link.split("localhost", 1)[1])
    assert resp.status_code == 303 and resp.headers["Location"].startswith("/login")
    assert "reason=2fa" in resp.headers["Location"]
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
    assert client.get(f"/invoices/{code}").status_code == 302
