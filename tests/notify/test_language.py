"""Emails and SMS speak the customer's saved language (docs/i18n.md); SMS stay GSM-7, one segment."""

import datetime as dt
from decimal import Decimal

from hostico.billing.hosting_services import suspend_service
from hostico.notify.events import notify
from hostico.notify.sms.gsm7 import segment_info
from tests.conftest import reconfigure


def test_romanian_customer_gets_a_romanian_proforma_email(session, make, deliver, outbox):
    customer = make.make_customer(name="Ana Popescu", language="ro")
    invoice = make.make_proforma(customer, origin="order", amount="100.00")
    invoice.due_date = dt.date(2026, 12, 1)
    session.commit()
    notify(session, "proforma_order", customer, invoice=invoice)
    session.commit()
    deliver()
    row = outbox("email")[0]
    assert row.subject == f"Proforma {invoice.code} pentru comanda dumneavoastră"
    assert "Bună ziua, Ana Popescu," in row.body_text
    assert "121,00 lei" in row.body_text and "RON" not in row.body_text
    assert "1 decembrie 2026" in row.body_text
    assert "Echipa Hostico" in row.body_text and "Kind regards" not in row.body_text
    assert '<html lang="ro">' in row.body_html and "Vă mulțumim pentru comandă" in row.body_html


def test_english_customer_gets_english_and_the_language_is_per_customer(session, make, deliver, outbox):
    ro = make.make_customer(name="Ana Popescu", language="ro")
    en = make.make_customer(name="John Smith", language="en")
    for customer in (ro, en):
        notify(session, "proforma_order", customer, invoice=make.make_proforma(customer, origin="order",
                                                                                amount="1000.00"))
    session.commit()
    deliver()
    texts = {row.customer_id: row.body_text for row in outbox("email")}
    assert "1.210,00 lei" in texts[ro.id] and "Bună ziua" in texts[ro.id]
    assert "1,210.00 RON" in texts[en.id] and "Hello John Smith," in texts[en.id]


def test_romanian_sms_are_transliterated_gsm7_and_fit_one_segment(app, session, make, deliver, sms_file):
    reconfigure(app, BASE_URL="https://clienti.hostico.ro")
    customer = make.make_customer(language="ro", phone_e164="+40722123456", sms_opt_in=True,
                                  sms_consent_at=dt.datetime.now(dt.UTC))
    service = make.make_service(customer, domain="magazinul-de-haine-si-accesorii-online.ro")
    invoice = make.make_proforma(customer, origin="system", amount="9876.54", service=service)
    invoice.due_date = dt.date(2026, 12, 15)
    session.commit()
    notify(session, "proforma_system", customer, invoice=invoice, sms_hours="00:00-24:00")
    for reason in ("nonpayment", "abuse", "other"):
        if service.status == "suspended":
            service.status, service.suspension_reason = "active", None
        suspend_service(session, service, reason=reason, sms_hours="00:00-24:00")
    session.commit()
    deliver()
    # Delivered over the worker's lanes (threads), so not necessarily in the order queued: found by content.
    texts = sorted((s["text"] for s in sms_file()), key=lambda text: (
        "proforma" not in text, "neplatita" not in text, "(abuz)" not in text))
    assert len(texts) == 4
    for text in texts:
        assert (segment_info(text).encoding, segment_info(text).segments) == ("GSM-7", 1), text
    total = invoice.total.quantize(Decimal("0.01"))
    assert texts[0].startswith(f"Hostico: proforma {invoice.code} de ") and "lei are scadenta 15.12.2026." in texts[0]
    assert f"{total:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") in texts[0]
    assert "Plata: https://clienti.hostico.ro/invoices/" in texts[0]
    suspended = texts[1:]
    assert "gazduirea magazinul-de-haine-si-accesorii-online.ro este suspendata (factura neplatita)" in suspended[0]
    assert "Reactivare dupa plata: https://clienti.hostico.ro/invoices" in suspended[0]
    assert "(abuz)" in suspended[1] and "(alte motive)" in suspended[2]
    assert "Detalii: https://clienti.hostico.ro/services" in suspended[2]
