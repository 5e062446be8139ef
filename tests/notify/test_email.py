"""Email through a real SMTP server: multipart text + HTML, the invoice link, surviving an outage."""

import datetime as dt
import email
import re
from email import policy

from hostico.billing.payments import record_payment
from hostico.notify.events import notify


def _parse(envelope):
    return email.message_from_bytes(envelope.original_content, policy=policy.default)


def test_proforma_email_has_text_and_html_parts_with_the_invoice_link(session, make, smtp_server, deliver, outbox):
    customer = make.make_customer(name="Ana Popescu", email="ana@example.com")
    invoice = make.make_proforma(customer, origin="order", amount="100.00")
    notify(session, "proforma_order", customer, invoice=invoice)
    session.commit()
    assert deliver() == 1
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["ana@example.com"]
    msg = _parse(envelope)
    assert msg["From"] == "Hostico <billing@hostico.example>"
    # an email about an invoice to an English-language customer: Romanian first, English beside it
    assert msg["Subject"] == (f"Proforma {invoice.code} pentru comanda dumneavoastră / "
                              f"Proforma {invoice.code} for your order")
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    # The invoice number is a mail-login link (/m/<token>), the same in both parts.
    link = re.search(r"http://localhost/m/[A-Za-z0-9._-]+", text).group(0)
    assert "Hello Ana Popescu," in text and "121.00 RON" in text
    assert f'<a href="{link}"' in html and f">{invoice.code}</a>" in html
    row = outbox()[0]
    assert row.status == "sent" and row.sent_at is not None
    # Stored as delivered except the link, which is kept as its placeholder (the token is never stored).
    assert row.body_html == html.replace("\r\n", "\n").replace(link, "[[mail-login-link]]")


def test_receipt_email_links_the_tax_invoice(session, make, settings, smtp_server, deliver, outbox):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, origin="order")
    payment = record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                             today=dt.date.today())
    session.commit()
    deliver()
    msg = _parse(smtp_server.messages[0])
    tax_code = outbox()[0].context["invoice_code"]
    assert tax_code.startswith("HST-") and payment.tax_invoice_id
    assert msg["Subject"] == (f"Plată primită: factura fiscală {tax_code} / "
                              f"Payment received: tax invoice {tax_code}")
    html = msg.get_body(("html",)).get_content()
    assert re.search(r'<a href="http://localhost/m/[A-Za-z0-9._-]+"[^>]*>' + tax_code + "</a>", html)


def test_markup_in_a_customer_name_is_text_in_the_html_email(session, make, smtp_server, deliver):
    customer = make.make_customer(name='<script>alert("x")</script> Ion')
    notify(session, "proforma_order", customer, invoice=make.make_proforma(customer, origin="order"))
    session.commit()
    deliver()
    html = _parse(smtp_server.messages[0]).get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_email_waits_while_smtp_is_down_and_is_delivered_once_when_it_returns(
        session, make, smtp_server, deliver, outbox):
    customer = make.make_customer()
    invoice = make.make_proforma(customer, origin="system")
    notify(session, "proforma_system", customer, invoice=invoice)
    session.commit()
    smtp_server.stop()
    now = dt.datetime.now(dt.UTC)
    assert deliver(now=now) == 1
    row = outbox("email")[0]
    assert row.status == "pending" and row.attempts == 1 and "smtp" in row.last_error
    assert row.next_attempt_at > now
    subject, body = row.subject, row.body_text
    assert deliver(now=now) == 0  # not due yet: backoff
    smtp_server.start()
    later = row.next_attempt_at + dt.timedelta(seconds=1)
    assert deliver(now=later) == 1
    assert deliver(now=later + dt.timedelta(hours=1)) == 0
    assert len(smtp_server.messages) == 1
    row = outbox("email")[0]
    assert row.status == "sent" and row.attempts == 2
    msg = _parse(smtp_server.messages[0])
    assert msg["Subject"] == subject  # the retry sent exactly the content rendered the first time
    delivered = msg.get_body(("plain",)).get_content().replace("\r\n", "\n")
    link = re.search(r"http://localhost/m/[A-Za-z0-9._-]+", delivered).group(0)
    assert delivered == body.replace("[[mail-login-link]]", link)  # the stored text, its link made at sending


def test_email_to_a_refused_recipient_is_dead_at_once(session, make, smtp_server, deliver, outbox):
    async def refuse(server, session_, envelope, address, rcpt_options):
        return "550 5.1.1 No such user"

    smtp_server.handler.handle_RCPT = refuse
    customer = make.make_customer(email="gone@example.com")
    notify(session, "proforma_order", customer, invoice=make.make_proforma(customer, origin="order"))
    session.commit()
    deliver()
    row = outbox()[0]
    assert row.status == "dead" and row.attempts == 1 and "550" in row.last_error
    assert smtp_server.messages == []


def test_every_event_renders_a_text_and_html_email(session, make, deliver, outbox):
    from hostico.notify.events import EVENT_CHANNELS

    customer = make.make_customer()
    service = make.make_service(customer, status="suspended", suspension_reason="abuse")
    invoice = make.make_proforma(customer, origin="system", service=service)
    for event in EVENT_CHANNELS:
        notify(session, event, customer, invoice=invoice, service=service, key=event,
               context={"reason": "abuse", "proforma_code": invoice.code})
    session.commit()
    deliver()
    emails = outbox("email")
    assert len(emails) == len(EVENT_CHANNELS)
    for row in emails:
        assert row.status == "sent", (row.event, row.last_error)
        assert row.subject and "Hello" in row.body_text and "<html" in row.body_html
