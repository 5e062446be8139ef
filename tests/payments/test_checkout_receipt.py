"""One receipt per checkout (docs/payments.md): paying two proformas in one checkout sends one email that
lists both, each with its tax invoice; a checkout of one proforma sends the usual receipt."""

import datetime as dt

from sqlalchemy import select

from hostico.models import Invoice, OutboxMessage, utcnow
from hostico.notify.render import render
from hostico.notify.settings import NotifySettings
from hostico.payments.checkout import apply_notification
from hostico.payments.gateways.base import PAID, Notification


def _pay(session, settings, make, customer, proformas, event="evt_1"):
    checkout = make.make_checkout(customer, proformas)
    note = Notification(reference=checkout.reference, status=PAID, amount=checkout.amount, currency="RON",
                        event_id=event, transaction_id="sbx_0011223344556677_4242")
    assert apply_notification(session, note, gateway="sandbox", settings=settings, today=dt.date.today()) \
        == "recorded"
    session.commit()
    return note


def _receipts(session):
    return session.scalars(select(OutboxMessage).where(OutboxMessage.event == "payment_receipt")).all()


def test_two_proformas_paid_in_one_checkout_send_one_receipt_listing_both(session, settings, make):
    customer = make.make_customer(language="ro")
    first, second = make.make_proforma(customer, amount="19.00"), make.make_proforma(customer, amount="10.00")
    note = _pay(session, settings, make, customer, [first, second])
    [receipt] = _receipts(session)
    taxes = session.scalars(select(Invoice).where(Invoice.kind == "tax").order_by(Invoice.id)).all()
    assert len(taxes) == 2 and receipt.invoice_id == taxes[0].id
    rendered = render(session, receipt, NotifySettings(), utcnow())
    for part in (rendered.text, rendered.html):
        for proforma, tax in zip((first, second), taxes, strict=True):
            assert proforma.code in part and tax.code in part
        assert "35,09 lei" in part  # 22,99 + 12,10
    assert rendered.subject == "Plată primită: 2 facturi fiscale"
    assert "[[mail-login-link]]" in rendered.text and f"/invoices/{taxes[1].code}" in rendered.text
    # The gateway delivers the same notification again: nothing is recorded or sent twice.
    assert apply_notification(session, note, gateway="sandbox", settings=settings, today=dt.date.today()) \
        == "duplicate"
    session.commit()
    assert len(_receipts(session)) == 1


def test_a_checkout_of_one_proforma_sends_the_usual_receipt(session, settings, make):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="19.00")
    _pay(session, settings, make, customer, [proforma])
    [receipt] = _receipts(session)
    rendered = render(session, receipt, NotifySettings(), utcnow())
    assert f"for proforma {proforma.code}" in rendered.text
