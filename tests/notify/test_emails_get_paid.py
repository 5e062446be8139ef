"""Emails that ask for money carry what a customer needs to pay at once (docs/notifications.md#email-layout):
the amount, the due date, the service, a pay button and the invoice number as the mail-login link; the
suspension email names the proforma that caused it; each has a plain-text part."""

import datetime as dt
import re

from sqlalchemy import select

from hostico.billing.hosting_services import suspend_service
from hostico.billing.run import run_billing
from hostico.models import OutboxMessage, Service, utcnow
from hostico.notify.events import notify
from hostico.notify.links import LINK_PLACEHOLDER
from hostico.notify.render import render
from hostico.notify.settings import NotifySettings


def _render(session, event):
    msg = session.scalars(select(OutboxMessage).where(OutboxMessage.event == event,
                                                      OutboxMessage.channel == "email")).one()
    return render(session, msg, NotifySettings(), utcnow())


def _pay_box(rendered, code, amount, due, domain):
    html, text = rendered.html, rendered.text
    assert re.search(rf'<a href="{re.escape(LINK_PLACEHOLDER)}"[^>]*>{code}</a>', html)  # number = mail-login link
    assert re.search(rf'<a href="{re.escape(LINK_PLACEHOLDER)}" class="pay-button"[^>]*>[^<]*{amount}</a>', html)
    for part in (html, text):
        assert amount in part and due in part and domain in part and code in part, part
    assert LINK_PLACEHOLDER in text  # the plain-text part has the link too


def test_the_renewal_proforma_email_has_amount_due_date_service_and_pay_button(session, make):
    customer = make.make_customer(language="ro", name="Ana Pop")
    service = make.make_service(customer, domain="magazin-ana.ro")
    proforma = make.make_proforma(customer, service=service, amount="19.00", today=dt.date(2026, 12, 1))
    notify(session, "proforma_system", customer, invoice=proforma)
    session.commit()
    rendered = _render(session, "proforma_system")
    _pay_box(rendered, proforma.code, "22,99 lei", "15 decembrie 2026", "magazin-ana.ro")
    assert "Plătiți 22,99 lei" in rendered.html


def test_the_reminder_email_has_the_pay_box_too(session, make):
    customer = make.make_customer(language="en")
    service = make.make_service(customer, domain="reminded.ro")
    proforma = make.make_proforma(customer, service=service, amount="19.00", today=dt.date(2026, 12, 1))
    notify(session, "reminder", customer, invoice=proforma)
    session.commit()
    rendered = _render(session, "reminder")
    _pay_box(rendered, proforma.code, "22.99 RON", "15, 2026", "reminded.ro")  # after the Romanian part
    assert "Pay 22.99 RON" in rendered.html


def test_a_nonpayment_suspension_email_names_the_proforma_that_caused_it(session, make, settings):
    customer = make.make_customer(language="ro")
    service = make.make_service(customer, domain="restant.ro")
    proforma = make.make_proforma(customer, service=service, amount="19.00", today=dt.date(2026, 12, 1))
    suspend_service(session, service, reason="nonpayment", cause=proforma)
    session.commit()
    rendered = _render(session, "suspension")
    assert f"Proforma {proforma.code} nu a fost plătită până la 15 decembrie 2026" in rendered.text
    _pay_box(rendered, proforma.code, "22,99 lei", "15 decembrie 2026", "restant.ro")
    assert "/invoices\n" not in rendered.text


def test_the_billing_run_suspends_with_the_overdue_proforma_in_the_email(session, make, settings):
    customer = make.make_customer()
    service = make.make_service(customer, domain="late.ro")
    proforma = make.make_proforma(customer, service=service, amount="10.00", today=dt.date(2026, 11, 1))
    session.commit()
    run_billing(session, settings, proforma.due_date + dt.timedelta(days=30))
    session.commit()
    assert session.get(Service, service.id).status == "suspended"
    msg = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "suspension",
                                                      OutboxMessage.channel == "email")).one()
    assert msg.invoice_id == proforma.id
    assert proforma.code in render(session, msg, NotifySettings(), utcnow()).text


def test_an_abuse_suspension_email_names_no_invoice(session, make):
    customer = make.make_customer()
    service = make.make_service(customer, domain="abuse.ro")
    suspend_service(session, service, reason="abuse", note="intern")
    session.commit()
    rendered = _render(session, "suspension")
    assert "pay-button" not in rendered.html and "intern" not in rendered.text

