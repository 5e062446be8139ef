"""docs/sms.md: exactly two events send an SMS, only to opted-in customers, from the sender Hostico."""

import datetime as dt

import pytest

from hostico.billing.hosting_services import suspend_service
from hostico.billing.payments import record_payment
from hostico.notify.events import notify
from tests.conftest import reconfigure


def _proforma(make, customer, origin):
    return make.make_proforma(customer, origin=origin, amount="121.00")


def test_system_proforma_sends_exactly_one_sms_from_hostico(session, make, opted_in, deliver, sms_file, outbox):
    invoice = _proforma(make, opted_in, "system")
    notify(session, "proforma_system", opted_in, invoice=invoice, sms_hours="00:00-24:00")
    notify(session, "proforma_system", opted_in, invoice=invoice, sms_hours="00:00-24:00")  # same event again
    session.commit()
    assert deliver() == 2  # one email, one SMS
    sent = sms_file()
    assert len(sent) == 1
    assert sent[0]["to"] == "+40722123456"
    assert sent[0]["sender"] == "Hostico"
    assert invoice.code in sent[0]["text"] and f"{invoice.total} RON" in sent[0]["text"]
    assert len(sent[0]["text"]) <= 160
    assert {m.status for m in outbox()} == {"sent"}
    assert deliver() == 0  # nothing left: never sent twice


@pytest.mark.parametrize("reason", ["nonpayment", "abuse", "other"])
def test_each_kind_of_suspension_sends_one_sms(session, make, opted_in, deliver, sms_file, reason):
    service = make.make_service(opted_in, domain="magazin-online-exemplu.ro")
    suspend_service(session, service, reason=reason, sms_hours="00:00-24:00")
    session.commit()
    deliver()
    sent = sms_file()
    assert len(sent) == 1
    assert sent[0]["sender"] == "Hostico"
    assert "magazin-online-exemplu.ro" in sent[0]["text"] and "suspended" in sent[0]["text"]
    assert len(sent[0]["text"]) <= 160


def test_order_proforma_sends_no_sms(session, make, opted_in, deliver, sms_file, outbox):
    invoice = _proforma(make, opted_in, "order")
    notify(session, "proforma_order", opted_in, invoice=invoice)
    session.commit()
    assert deliver() == 1
    assert sms_file() == []
    assert [(m.channel, m.status) for m in outbox()] == [("email", "sent")]


def test_payment_sends_no_sms(session, make, opted_in, settings, deliver, sms_file, outbox):
    invoice = _proforma(make, opted_in, "order")
    record_payment(session, invoice.id, amount=invoice.total, method="card", settings=settings, today=dt.date.today())
    session.commit()
    deliver()
    assert sms_file() == []
    assert [(m.event, m.channel, m.status) for m in outbox()] == [("payment_receipt", "email", "sent")]


def test_reminder_sends_no_sms(session, make, opted_in, deliver, sms_file, outbox):
    invoice = _proforma(make, opted_in, "system")
    notify(session, "reminder", opted_in, invoice=invoice, key=f"{invoice.id}:3")
    session.commit()
    deliver()
    assert sms_file() == []
    assert [(m.channel, m.status) for m in outbox()] == [("email", "sent")]


def test_opted_out_customer_gets_no_sms(session, make, deliver, sms_file, outbox):
    customer = make.make_customer(phone_e164="+40722123456", sms_opt_in=False)
    service = make.make_service(customer)
    suspend_service(session, service, reason="abuse", sms_hours="00:00-24:00")
    notify(session, "proforma_system", customer, invoice=_proforma(make, customer, "system"))
    session.commit()
    deliver()
    assert sms_file() == []
    assert {m.channel for m in outbox()} == {"email"}


def test_customer_who_opts_out_after_queuing_gets_no_sms(session, make, opted_in, deliver, sms_file, outbox):
    service = make.make_service(opted_in)
    suspend_service(session, service, reason="abuse", sms_hours="00:00-24:00")
    session.commit()
    opted_in.sms_opt_in = False  # changed behind the outbox's back (no cancel call): the worker checks
    session.commit()
    deliver()
    assert sms_file() == []
    assert [m.status for m in outbox("sms")] == ["cancelled"]


def test_sms_outside_the_window_waits_for_the_morning(session, make, opted_in, deliver, sms_file, outbox):
    service = make.make_service(opted_in)
    evening = dt.datetime(2026, 11, 25, 19, 30, tzinfo=dt.UTC)  # 21:30 in Bucharest
    suspend_service(session, service, reason="abuse", sms_hours="09:00-19:00")
    session.commit()
    sms = outbox("sms")[0]
    sms.next_attempt_at = dt.datetime(2026, 11, 26, 7, 0, tzinfo=dt.UTC)  # as notify() set it: 09:00 local
    session.commit()
    deliver(now=evening)
    assert sms_file() == []
    deliver(now=dt.datetime(2026, 11, 26, 7, 0, 1, tzinfo=dt.UTC))
    assert len(sms_file()) == 1


def test_sms_texts_fit_one_gsm7_segment_with_long_realistic_data(app, session, make, opted_in, deliver, sms_file):
    from hostico.notify.sms.gsm7 import segment_info

    reconfigure(app, BASE_URL="https://clienti.hostico.ro")
    service = make.make_service(opted_in, domain="magazinul-de-haine-si-accesorii-online.ro")
    invoice = make.make_proforma(opted_in, origin="system", amount="9876.54", service=service)
    notify(session, "proforma_system", opted_in, invoice=invoice, sms_hours="00:00-24:00")
    for reason in ("nonpayment", "abuse", "other"):
        if service.status == "suspended":
            service.status, service.suspension_reason = "active", None
        suspend_service(session, service, reason=reason, sms_hours="00:00-24:00")
    session.commit()
    deliver()
    texts = [s["text"] for s in sms_file()]
    assert len(texts) == 4
    for text in texts:
        info = segment_info(text)
        assert (info.encoding, info.segments) == ("GSM-7", 1), text
    assert any("11,950.61 RON" in t and "https://clienti.hostico.ro/invoices/" in t for t in texts)
