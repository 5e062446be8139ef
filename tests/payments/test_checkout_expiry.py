"""Checkouts that end (docs/payments.md): an abandoned checkout expires and no longer keeps its order from expiring;
money that still comes is recorded, or credited when the proforma was paid another way meanwhile."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hostico.billing.credit import balance
from hostico.billing.orders import place_order
from hostico.billing.payments import record_payment
from hostico.billing.run import run_billing
from hostico.db import advisory_lock
from hostico.models import AuditLog, Checkout, CreditEntry, Invoice, Order, Payment, Service, utcnow
from hostico.payments.expiry import LOCK, CheckoutExpirer
from hostico.payments.gateways import get_gateway
from hostico.payments.gateways.base import PAID
from hostico.web.app_settings import settings as app_settings
from tests.payments.conftest import HOSTED

TODAY = dt.date.today()  # orders are stamped with the clock: the run's day is counted from it



def _start(client, code) -> str:
    resp = client.post_form(f"/invoices/{code}/pay", token_from="/invoices")
    assert resp.status_code == 303
    return resp.headers["Location"]



def _order(session, make, settings, customer, domain="abandoned.ro"):
    order, proforma = place_order(session, customer, make.make_product(), "monthly", domain, settings, TODAY)
    session.commit()
    return order, proforma


def test_an_abandoned_checkout_expires_and_then_its_order_expires(
        client, session, make, login_as, sandbox, settings, expire_later):
    customer = make.make_customer()
    order, proforma = _order(session, make, settings, customer)
    login_as(client, customer)
    _start(client, proforma.code)  # the customer opens the payment page, then leaves
    checkout = session.scalars(select(Checkout)).one()
    lifetime = checkout.expires_at - checkout.created_at
    assert dt.timedelta(minutes=59) < lifetime <= dt.timedelta(minutes=61)  # HOSTICO_CHECKOUT_MINUTES (60)

    # While the payment page is open the order waits; the worker does nothing before the lifetime is over.
    assert run_billing(session, settings, TODAY + dt.timedelta(days=15))["orders_expired"] == 0
    assert expire_later(hours=0).asked == 0
    summary = expire_later()
    assert (summary.asked, summary.expired, summary.paid) == (1, 1, 0)
    session.expire_all()
    assert checkout.status == "expired"
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "checkout.expired")) == 1
    assert expire_later().asked == 0  # settled once

    assert run_billing(session, settings, TODAY + dt.timedelta(days=16))["orders_expired"] == 1
    session.expire_all()
    service = session.scalars(select(Service).where(Service.order_id == order.id)).one()
    assert (order.status, proforma.status, service.status) == ("cancelled", "cancelled", "cancelled")


def test_a_checkout_past_its_lifetime_holds_the_order_no_longer_even_before_the_worker_asks(session, make, settings):
    customer = make.make_customer()
    order, proforma = _order(session, make, settings, customer)
    checkout = make.make_checkout(customer, [proforma])
    checkout.expires_at = utcnow() - dt.timedelta(minutes=1)
    session.commit()
    assert run_billing(session, settings, TODAY + dt.timedelta(days=15))["orders_expired"] == 1
    session.expire_all()
    assert order.status == "cancelled" and checkout.status == "pending"


def test_a_payment_page_opened_after_the_orders_time_was_up_does_not_keep_it(session, make, settings):
    customer = make.make_customer()
    order, proforma = _order(session, make, settings, customer)
    order.created_at = utcnow() - dt.timedelta(days=20)  # placed 20 days ago: due to expire 5 days ago
    make.make_checkout(customer, [proforma])  # opened now, open for a day: a click a day must not keep the domain
    session.commit()
    assert run_billing(session, settings, TODAY)["orders_expired"] == 1
    session.expire_all()
    assert order.status == "cancelled"
    assert session.scalar(select(Order.status).where(Order.id == order.id)) == "cancelled"


def test_the_sandbox_page_refuses_payment_once_its_lifetime_is_over(app, client, make, login_as, sandbox):
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    login_as(client, customer)
    hosted = _start(client, proforma.code)
    gateway = get_gateway(app_settings(app).payments, "sandbox")
    data = gateway.load_session(HOSTED.search(hosted).group(1))
    ended = "/sandbox-gateway/checkout/" + gateway._tokens.dumps(dict(data, exp=int(time.time()) - 1))
    page = client.get(ended)
    assert page.status_code == 410 and "This payment page has expired" in page.get_data(as_text=True)
    assert client.post_form(ended, {"card": "4242424242424242"}, token_from=hosted).status_code == 410
    assert sandbox.sent == []  # nothing was paid
    assert client.get(hosted).status_code == 200  # the live page still takes a card


def test_the_sandbox_status_query_finds_a_payment_whose_notification_never_arrived(
        app, client, session, make, login_as, sandbox, pay_with_card, expire_later):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    login_as(client, customer)
    pay_with_card([proforma.code])  # paid on the page; the notification is kept, never delivered
    for _ in range(2):  # the job runs twice: recorded once
        expire_later()
    session.expire_all()
    assert session.scalar(select(Invoice.status).where(Invoice.id == proforma.id)) == "paid"
    assert session.scalar(select(Checkout.status)) == "paid"
    assert session.scalar(select(func.count()).select_from(Payment)) == 1
    assert sandbox.deliver(client).status_code == 200  # the notification comes after all: a duplicate
    assert session.scalar(select(func.count()).select_from(Payment)) == 1


def _late_paid(app, client, hosted):
    """The sandbox's "paid" notification for a checkout, as if it came after the checkout expired."""
    gateway = get_gateway(app_settings(app).payments, "sandbox")
    body = gateway.notification(gateway.load_session(HOSTED.search(hosted).group(1)), PAID, card="4242424242424242")
    return client.post("/hooks/payments", data=body, headers=gateway.signed_headers(body))


def test_a_late_paid_notification_for_an_expired_checkout_still_records_the_payment(
        app, client, session, make, login_as, sandbox, expire_later):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    login_as(client, customer)
    hosted = _start(client, proforma.code)
    expire_later()
    session.expire_all()
    assert session.scalar(select(Checkout.status)) == "expired"
    for _ in range(2):
        assert _late_paid(app, client, hosted).status_code == 200
    session.expire_all()
    assert session.scalar(select(Invoice.status).where(Invoice.id == proforma.id)) == "paid"
    assert session.scalar(select(Checkout.status)) == "paid"
    assert session.scalar(select(func.count()).select_from(Payment)) == 1
    paid = session.scalars(select(AuditLog).where(AuditLog.action == "checkout.paid")).one()
    assert paid.data["was"] == "expired" and paid.data["not_applied"] == []


def test_a_late_paid_after_a_bank_transfer_becomes_credit_once(
        app, client, session, make, login_as, sandbox, settings, expire_later):
    customer = make.make_customer()
    proforma = make.make_proforma(customer, amount="100.00")
    login_as(client, customer)
    hosted = _start(client, proforma.code)
    expire_later()
    record_payment(session, proforma.id, amount=proforma.total, method="bank_transfer", settings=settings,
                   today=TODAY)
    session.commit()
    for _ in range(2):  # delivered again: credited once
        assert _late_paid(app, client, hosted).status_code == 200
    session.expire_all()
    assert session.scalar(select(func.count()).select_from(Payment)) == 1  # the bank transfer only
    entry = session.scalars(select(CreditEntry)).one()
    assert (entry.reason, entry.amount, entry.checkout_id) == ("second_charge", Decimal("121.00"),
                                                               session.scalar(select(Checkout.id)))
    assert balance(session, customer.id, "RON") == Decimal("121.00")
    paid = session.scalars(select(AuditLog).where(AuditLog.action == "checkout.paid")).one()
    assert paid.data["not_applied"] == [proforma.code] and paid.data["was"] == "expired"


def test_the_waiting_page_of_an_expired_checkout_says_so_and_offers_to_pay_again(
        client, session, make, login_as, sandbox, expire_later):
    customer = make.make_customer()
    proforma = make.make_proforma(customer)
    login_as(client, customer)
    hosted = _start(client, proforma.code)
    reference = session.scalar(select(Checkout.reference))
    expire_later()
    page = client.get(f"/checkout/{reference}?lang=en").get_data(as_text=True)
    assert "This payment page has expired" in page and "Pay again" in page and "hx-trigger" not in page
    assert f'name="invoice" value="{proforma.code}"' in page
    ro = client.get(f"/checkout/{reference}?lang=ro").get_data(as_text=True)
    assert "Pagina de plată a expirat" in ro and "Plătiți din nou" in ro
    resp = client.post_form("/invoices/pay", {"invoice": [proforma.code]}, token_from=f"/checkout/{reference}")
    assert resp.status_code == 303 and HOSTED.search(resp.headers["Location"])  # a new payment page
    assert resp.headers["Location"] != hosted
    assert session.scalar(select(func.count()).select_from(Checkout)) == 2


def test_the_worker_job_runs_at_its_interval(app, session, make, settings):
    customer = make.make_customer()
    checkout = make.make_checkout(customer, [make.make_proforma(customer)])
    checkout.expires_at = utcnow() - dt.timedelta(minutes=1)
    session.commit()
    clock = [0.0]
    job = CheckoutExpirer(lambda: type(session)(bind=session.get_bind(), expire_on_commit=False), settings,
                          app_settings(app).payments, clock=lambda: clock[0])
    assert job.due().expired == 1
    assert job.due() is None  # not time yet
    clock[0] += CheckoutExpirer.EVERY
    assert job.due().asked == 0
    session.expire_all()
    assert checkout.status == "expired"


def test_a_pass_another_host_is_running_is_skipped(app, session, make, settings, engine_name):
    """One pass at a time on every host: while another holds `checkout-expiry`, the worker skips its turn."""
    if engine_name != "postgres":
        pytest.skip("advisory locks are PostgreSQL's (SQLite is one host)")
    customer = make.make_customer()
    checkout = make.make_checkout(customer, [make.make_proforma(customer)])
    checkout.expires_at = utcnow() - dt.timedelta(minutes=1)
    session.commit()
    factory = lambda: type(session)(bind=session.get_bind(), expire_on_commit=False)  # noqa: E731
    clock = [0.0]
    with advisory_lock(session.get_bind(), LOCK) as held:
        assert held
        assert CheckoutExpirer(factory, settings, app_settings(app).payments, clock=lambda: clock[0]).due() is None
    session.expire_all()
    assert checkout.status == "pending"
    assert CheckoutExpirer(factory, settings, app_settings(app).payments).due().expired == 1
