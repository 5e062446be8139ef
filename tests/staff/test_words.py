"""Staff pages in words (docs/staff-area.md#staff-pages-in-words): every code with its label, people by name,
changes as from → to, the audit log without JSON escapes, the other payer behind a button."""

import datetime as dt
import re

from hostico.audit import record
from hostico.billing.invoicing import add_event
from hostico.models import OutboxMessage, utcnow


def _staff(client, make, login_staff, name="Ana Popescu"):
    staff = make.make_staff(role="admin", name=name)
    login_staff(client, staff)
    return staff


def test_the_invoice_page_says_vat_rates_places_and_methods_in_words(client, make, session, login_staff):
    customer = make.make_customer(name="Ion Ștefănescu")
    profile = make.make_profile(customer, kind="company", city="SECTOR1", county="RO-B", company_name="Firmă SRL")
    proforma = make.make_proforma(customer, profile=profile, amount="19.00")
    staff = _staff(client, make, login_staff)
    before = {"buyer": dict(proforma.buyer), "total": "22.99"}
    add_event(session, proforma, "billing_edited", actor_kind="staff", actor_id=staff.id, before=before,
              after={"buyer": {**proforma.buyer, "company_name": "Firmă Nouă SRL"}, "total": "22.99"})
    add_event(session, proforma, "billing_edited", actor_kind="customer", actor_id=customer.id)
    session.commit()
    page = client.get(f"/staff/invoices/{proforma.code}").get_data(as_text=True)
    assert "S — standard rate" in page and "VAT: <strong>S</strong>" not in page
    assert 'data-label="VAT rate">21%</td>' in page and '>21.00</td>' not in page
    assert "Sector 1, Bucharest" in page or "Sector 1, București" in page
    assert ">SECTOR1<" not in page and "Sector 1" in page
    assert "Ana Popescu (staff)" in page and "Ion Ștefănescu (customer)" in page
    assert "staff #" not in page and "customer #" not in page
    assert re.search(r"buyer · company name: <del>Firmă SRL</del> → <ins>Firmă Nouă SRL</ins>", page)
    ro = client.get(f"/staff/invoices/{proforma.code}?lang=ro").get_data(as_text=True)
    assert "S — cota standard" in ro and "cumpărător · denumire: <del>Firmă SRL</del>" in ro
    assert "Ana Popescu (personal)" in ro or "Ana Popescu (" in ro


def test_the_other_payer_form_is_behind_a_button_that_works_without_javascript(client, make, session,
                                                                                 login_staff):
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    session.commit()
    _staff(client, make, login_staff)
    page = client.get(f"/staff/invoices/{proforma.code}").get_data(as_text=True)
    details = re.search(r'<details class="other-payer"[^>]*>', page).group(0)
    assert "open" not in details and "<summary" in page
    resp = client.post_form(f"/staff/invoices/{proforma.code}/payment",
                            {"amount": "1.00", "reference": "OP 1", "payer": "other", "payer_name": "",
                             "payer_country": "RO"}, token_from="/staff/")
    assert resp.status_code == 422
    opened = re.search(r'<details class="other-payer"[^>]*>', resp.get_data(as_text=True)).group(0)
    assert "open" in opened  # a mistake in the payer's data is shown, not hidden behind the button


def test_the_audit_log_reads_as_a_diff_with_diacritics(client, make, session, login_staff):
    customer = make.make_customer(name="Șerban Țăranu")
    record(session, "customer.details_changed", actor_kind="customer", actor_id=customer.id,
           customer_id=customer.id, data={"before": {"name": "Serban Taranu"}, "after": {"name": "Șerban Țăranu"}})
    record(session, "service.suspended", actor_kind="system", customer_id=customer.id,
           data={"reason": "abuse", "note": "Kit de phishing în /wp-admin"})
    session.commit()
    _staff(client, make, login_staff)
    for url in ("/staff/audit", f"/staff/customers/{customer.id}"):
        page = client.get(url).get_data(as_text=True)
        assert "\\u" not in page, url
        assert "name: <del>Serban Taranu</del> → <ins>Șerban Țăranu</ins>" in page, url
        assert "staff note: Kit de phishing în /wp-admin" in page, url
        assert "Șerban Țăranu (customer)" in page, url


def test_outbox_rows_and_efactura_routes_have_names(client, make, session, login_staff):
    customer = make.make_customer()
    session.add(OutboxMessage(channel="email", event="payment_receipt", dedupe_key="w1", customer_id=customer.id,
                              recipient=customer.email, template="payment_receipt", context={}, status="sent",
                              sent_at=utcnow()))
    session.commit()
    _staff(client, make, login_staff)
    page = client.get(f"/staff/customers/{customer.id}?lang=ro").get_data(as_text=True)
    assert "Confirmare de plată" in page and "payment_receipt" not in page
    from hostico.web.words import word

    with client.application.test_request_context("/?lang=ro"):
        assert word("efactura_route", "uploadb2c") == "consumator (uploadb2c)"
        assert word("efactura_route", "upload") == "cumpărător persoană juridică (upload)"


def test_staff_read_the_status_a_customer_reads_credited_partly_credited_and_past_due(
        client, make_staff, login_staff, make, session, settings):
    """A fully credited tax invoice no longer reads 'issued' on the staff pages (issue 24)."""
    from decimal import Decimal

    from sqlalchemy import select

    from hostico.billing.invoicing import LineSpec, create_proforma
    from hostico.billing.payments import record_payment
    from hostico.models import Invoice

    customer = make.make_customer()
    today = dt.date.today()
    proforma = create_proforma(session, customer, [LineSpec("Hosting", Decimal("100.00"))], origin="manual",
                               settings=settings, today=today)
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings, today=today)
    late = make.make_proforma(customer, amount="10.00")
    late.due_date = today - dt.timedelta(days=3)
    session.commit()
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == proforma.id))
    login_staff(client, make_staff("billing"))
    url = f"/staff/invoices/{tax.code}/credit-note"
    client.post_form(url, {"credit-reason": "part", "credit-amount": "21.00"}, token_from="/staff/")
    page = client.get(f"/staff/invoices/{tax.code}").get_data(as_text=True)
    assert '<span class="badge badge-partly_credited">partly credited</span></h1>' in page
    client.post_form(url, {"credit-reason": "rest", "credit-amount": "100.00"}, token_from="/staff/")
    page = client.get(f"/staff/invoices/{tax.code}").get_data(as_text=True)
    assert '<span class="badge badge-credited">credited</span></h1>' in page
    listing = client.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert '<span class="badge badge-credited">credited</span>' in listing
    assert '<span class="badge badge-overdue">past due</span>' in listing
    page = client.get(f"/staff/invoices/{late.code}?lang=ro").get_data(as_text=True)
    assert '<span class="badge badge-overdue">restantă</span></h1>' in page


def test_the_staff_invoice_page_shows_the_document_totals_once_without_its_own_footer(client, make, session,
                                                                                        login_staff):
    """Staff read the same totals block as the client page and the PDF: base and VAT once (issue 24 item 7)."""
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    _staff(client, make, login_staff)
    for lang, subtotal, vat, amounts in (("en", "Subtotal (without VAT)", "VAT (21%)", ("100.00", "21.00", "121.00")),
                                         ("ro", "Subtotal (fără TVA)", "TVA (21%)", ("100,00", "21,00", "121,00"))):
        page = client.get(f"/staff/invoices/{proforma.code}?lang={lang}").get_data(as_text=True)
        assert "<tfoot>" not in page
        assert page.count('<table class="totals">') == 1
        table = re.search(r'<table class="totals">(.*?)</table>', page, re.S).group(1)
        assert subtotal in table and vat in table
        net, vat_amount, total = amounts
        assert f">{net}" in table and f">{vat_amount}" in table and f'invoice-total">{total}' in table
        assert page.count(f">{vat_amount}") == 2  # the line's VAT cell and the totals, no second footer
