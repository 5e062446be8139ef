"""A customer's language: saved in My Details, it decides the pages, PDFs (and emails/SMS, tests/notify)."""

import datetime as dt
import re

from sqlalchemy import select

from hostico import locales
from hostico.billing.payments import record_payment
from hostico.models import AuditLog, Customer, Invoice
from tests.client.test_invoices_pdf import pdf_text


def test_saved_language_decides_the_pages_and_the_header_switch_overrides_it(client, make, login_as):
    customer = make.make_customer(name="Ana Popescu", language="ro")
    login_as(client, customer)
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="ro">' in page and "Facturile mele" in page and "My Invoices" not in page
    assert 'href="/?lang=en"' in page  # the switch in the header
    english = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in english and "My Invoices" in english
    assert "My Invoices" in client.get("/services").get_data(as_text=True)  # the cookie keeps the choice


def test_htmx_partials_speak_the_language_of_their_page(client, make, login_as):
    customer = make.make_customer(language="en")
    make.make_proforma(customer)
    login_as(client, customer)
    client.get("/invoices?lang=ro")
    partial = client.get("/invoices?status=unpaid", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "<html" not in partial and ">neplătită<" in partial and ">unpaid<" not in partial


def test_customer_saves_their_language_in_my_details(client, make, login_as, session):
    customer = make.make_customer(language="ro")
    login_as(client, customer)
    page = client.get("/my-details").get_data(as_text=True)
    assert 'id="language"' in page and '<option value="ro" lang="ro" selected>' in page
    resp = client.post_form("/my-details/language", {"language": "en"}, token_from="/my-details")
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/my-details#language")
    after = client.get("/my-details").get_data(as_text=True)
    assert "Your emails, SMS and invoices will be in English." in after and '<html lang="en">' in after
    session.expire_all()
    assert session.get(Customer, customer.id).language == "en"
    audit = session.scalar(select(AuditLog).where(AuditLog.action == "customer.language_changed"))
    assert audit is not None and audit.data == {"before": "ro", "after": "en"}


def test_an_unknown_language_changes_nothing(client, make, login_as, session):
    customer = make.make_customer(language="ro")
    login_as(client, customer)
    resp = client.post_form("/my-details/language", {"language": "fr"}, token_from="/my-details",
                            follow_redirects=True)
    assert "Alegeți Română sau English." in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Customer, customer.id).language == "ro"


def test_pdf_follows_the_customers_language_and_is_rendered_again_after_a_change(
        client, make, login_as, session, settings):
    customer = make.make_customer(language="ro")
    inv = make.make_proforma(customer)
    record_payment(session, inv.id, amount=inv.total, method="card", settings=settings, today=dt.date.today())
    session.commit()
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == inv.id))
    login_as(client, customer)
    text = " ".join(pdf_text(client.get(f"/invoices/{tax.code}.pdf?lang=en").data).split())  # not the page's
    day = tax.issue_date
    assert "Factură fiscală" in text and "CUMPĂRĂTOR" in text and "121,00 lei" in text
    assert locales.format_date(day, "ro") in text and day.strftime("%B") not in text
    client.post_form("/my-details/language", {"language": "en"}, token_from="/my-details")
    text = " ".join(pdf_text(client.get(f"/invoices/{tax.code}.pdf").data).split())
    assert "Tax invoice" in text and "BUYER" in text and locales.format_date(day, "en") in text and "121.00 RON" in text



def test_a_suspension_reason_is_shown_in_the_readers_language(client, make, session, login_as, login_staff):
    from hostico.accounts.second_factor import new_secret
    from hostico.billing.hosting_services import suspend_service

    customer = make.make_customer(language="ro")
    service = make.make_service(customer, domain="blog.ro")
    suspend_service(session, service, reason="nonpayment")
    session.commit()
    login_as(client, customer)
    for url in ("/services?lang=ro", f"/services/{service.id}?lang=ro"):
        page = client.get(url).get_data(as_text=True)
        assert "factură neplătită" in page and "nonpayment" not in page, url
    login_staff(client, make.make_staff(role="support", totp_secret=new_secret(), totp_enabled=True))
    for url in ("/staff/?lang=ro", f"/staff/customers/{customer.id}?lang=ro"):
        page = re.sub(r"<code>.*?</code>", "", client.get(url).get_data(as_text=True))  # audit details: identifiers
        assert "factură neplătită" in page and "nonpayment" not in page, url
