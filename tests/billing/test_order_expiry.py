"""Unpaid orders expire and are limited per customer (docs/billing.md, Orders: else one customer could hold any domain).

The billing run cancels an order unpaid for more than HOSTICO_ORDER_EXPIRY_DAYS (default 14): its proforma
(with a history event), its pending service (the domain is free again), its notices still waiting, and
emails the customer. A customer may have at most HOSTICO_MAX_OPEN_ORDERS (default 3) unpaid orders.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from hostico.billing.orders import OrderRefused, place_order
from hostico.billing.payments import record_payment
from hostico.billing.run import run_billing
from hostico.models import AuditLog, Checkout, CheckoutItem, Invoice, InvoiceEvent, Order, OutboxMessage, Service
from hostico.notify.worker import deliver_due

TODAY = dt.date.today()  # orders are stamped with the clock: the run's day is counted from it


def _order(session, make, settings, customer=None, domain="squatted.ro"):
    customer = customer or make.make_customer()
    order, proforma = place_order(session, customer, make.make_product(), "monthly", domain, settings, TODAY)
    session.commit()
    return customer, order, proforma


def test_an_order_unpaid_for_more_than_14_days_is_cancelled_and_its_domain_freed(session, make, settings):
    customer, order, proforma = _order(session, make, settings)
    assert run_billing(session, settings, TODAY + dt.timedelta(days=14))["orders_expired"] == 0  # day 14: kept
    summary = run_billing(session, settings, TODAY + dt.timedelta(days=15))
    assert summary["orders_expired"] == 1
    session.expire_all()
    service = session.scalars(select(Service).where(Service.order_id == order.id)).one()
    assert (order.status, proforma.status, service.status) == ("cancelled", "cancelled", "cancelled")
    event = session.scalars(select(InvoiceEvent).where(InvoiceEvent.invoice_id == proforma.id,
                                                       InvoiceEvent.action == "cancelled")).one()
    assert (event.note_code, event.note_params) == ("order_expired", {"days": "14"})
    audit = session.scalars(select(AuditLog).where(AuditLog.action == "order.expired")).one()
    assert audit.data == {"days": 14, "domains": ["squatted.ro"], "proformas": [proforma.code]}
    # A second run changes nothing; the domain can be ordered again, by anyone.
    assert run_billing(session, settings, TODAY + dt.timedelta(days=16))["orders_expired"] == 0
    _order(session, make, settings, domain="squatted.ro")


def test_the_customer_is_emailed_in_their_language(app, session, make, settings):
    customer = make.make_customer(language="ro")
    _, _, proforma = _order(session, make, settings, customer=customer, domain="magazin.ro")
    run_billing(session, settings, TODAY + dt.timedelta(days=15))
    email = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "order_expired")).one()
    assert (email.channel, email.recipient, email.customer_id) == ("email", customer.email, customer.id)
    from hostico.web.app_settings import settings as app_settings
    from hostico.web.database import db
    from tests.conftest import reconfigure

    reconfigure(app, MAIL_BACKEND="outbox")
    deliver_due(db.get(app).new_session, app_settings(app).notify)
    session.expire_all()
    assert email.status == "sent"
    assert email.subject == "Comandă neplătită anulată: magazin.ro"
    assert f"anulat-o împreună cu proforma {proforma.code}" in email.body_text
    assert "nu mai este rezervat" in email.body_text and "/order" in email.body_text


def test_reminders_still_waiting_for_an_expired_order_are_not_sent(session, make, settings):
    customer, _, proforma = _order(session, make, settings)
    pending = session.scalars(select(OutboxMessage).where(OutboxMessage.invoice_id == proforma.id)).one()
    assert pending.status == "pending"  # the order email itself, never delivered in this test
    run_billing(session, settings, TODAY + dt.timedelta(days=15))
    session.expire_all()
    assert pending.status == "cancelled" and pending.last_error == "order expired"


def test_a_paid_order_never_expires(session, make, settings):
    _, order, proforma = _order(session, make, settings)
    record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                   today=TODAY)
    session.commit()
    assert run_billing(session, settings, TODAY + dt.timedelta(days=60))["orders_expired"] == 0
    session.expire_all()
    assert order.status == "paid"
    assert session.scalars(select(Service).where(Service.order_id == order.id)).one().status == "active"


def test_an_order_with_a_card_payment_under_way_waits_for_the_next_run(session, make, settings):
    customer, order, proforma = _order(session, make, settings)
    checkout = Checkout(reference="chk_under_way", customer_id=customer.id, gateway="sandbox",
                        amount=proforma.total, currency=proforma.currency, status="pending")
    checkout.items = [CheckoutItem(invoice_id=proforma.id, amount=proforma.total)]
    session.add(checkout)
    session.commit()
    assert run_billing(session, settings, TODAY + dt.timedelta(days=15))["orders_expired"] == 0
    session.expire_all()
    assert order.status == "pending" and proforma.status == "unpaid"


def test_expiry_days_are_configurable(session, make, settings):
    _, order, _ = _order(session, make, settings)
    short = dataclasses.replace(settings, order_expiry_days=3)
    assert run_billing(session, short, TODAY + dt.timedelta(days=3))["orders_expired"] == 0
    assert run_billing(session, short, TODAY + dt.timedelta(days=4))["orders_expired"] == 1


def test_a_fourth_unpaid_order_is_refused_until_one_is_paid_or_expires(session, make, settings):
    customer = make.make_customer()
    for n in range(3):
        _order(session, make, settings, customer=customer, domain=f"shop{n}.ro")
    with pytest.raises(OrderRefused) as err:
        place_order(session, customer, make.make_product(), "monthly", "shop3.ro", settings, TODAY)
    session.rollback()
    assert err.value.field == "product" and err.value.params["count"] == 3
    assert session.scalar(select(Service.id).where(Service.domain == "shop3.ro")) is None
    first = session.scalars(select(Invoice).where(Invoice.kind == "proforma").order_by(Invoice.id)).first()
    record_payment(session, first.id, amount=first.total, method="bank_transfer", settings=settings, today=TODAY)
    session.commit()
    _order(session, make, settings, customer=customer, domain="shop3.ro")  # two unpaid left: accepted
    assert session.scalar(select(Order.id).where(Order.customer_id == customer.id, Order.status == "pending")
                          .order_by(Order.id.desc()).limit(1))


def test_the_limit_is_configurable_and_0_means_none(session, make, settings):
    customer = make.make_customer()
    one = dataclasses.replace(settings, max_open_orders=1)
    _order(session, make, one, customer=customer, domain="a.ro")
    with pytest.raises(OrderRefused):
        place_order(session, customer, make.make_product(), "monthly", "b.ro", one, TODAY)
    session.rollback()
    unlimited = dataclasses.replace(settings, max_open_orders=0)
    for n in range(4):
        _order(session, make, unlimited, customer=customer, domain=f"c{n}.ro")


def test_the_order_form_shows_the_limit_as_a_field_error(client, session, make, settings, login_as):
    customer = make.make_customer()
    profile = make.make_profile(customer)
    for n in range(3):
        _order(session, make, settings, customer=customer, domain=f"shop{n}.ro")
    product = make.make_product()
    login_as(client, customer)
    resp = client.post_form("/order", {"product": product.id, "cycle": "monthly", "domain": "one-more.ro",
                                       "profile": profile.id}, token_from="/order")
    assert resp.status_code == 422
    body = resp.get_data(as_text=True)
    assert "You already have 3 unpaid orders" in body and "after 14 days" in body
    assert 'value="one-more.ro"' in body
    session.expire_all()
    assert session.scalar(select(Service.id).where(Service.domain == "one-more.ro")) is None
    assert Decimal(session.scalar(select(Invoice.total).order_by(Invoice.id.desc()).limit(1))) > 0
