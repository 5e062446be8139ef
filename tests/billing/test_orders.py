"""Placing an order: a pending service and a proforma of origin `order`, email only."""

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hostico.billing.orders import OrderRefused, normalise_domain, place_order
from hostico.models import AuditLog, Invoice, OutboxMessage, Service

TODAY = dt.date(2026, 3, 10)


def _opted_in(make):
    return make.make_customer(phone_e164="+40722123456", sms_opt_in=True)


def test_order_creates_pending_service_and_order_proforma(session, make, settings):
    customer = _opted_in(make)
    product = make.make_product(monthly="50.00", annual="500.00")
    order, proforma = place_order(session, customer, product, "annual", "Magazin-Meu.ro", settings, TODAY)
    session.commit()

    service = session.scalars(select(Service).where(Service.order_id == order.id)).one()
    assert (service.status, service.domain, service.cycle, service.price) == ("pending", "magazin-meu.ro", "annual",
                                                                               Decimal("500.00"))
    assert proforma.origin == "order" and proforma.kind == "proforma" and proforma.status == "unpaid"
    assert proforma.total == Decimal("605.00")  # 500 + 21 % VAT
    line = proforma.lines[0]
    assert line.service_id == service.id
    assert (line.period_start, line.period_end) == (TODAY, dt.date(2027, 3, 9))
    assert session.scalar(select(AuditLog).where(AuditLog.action == "order.placed")).customer_id == customer.id


def test_order_proforma_sends_email_and_no_sms(session, make, settings):
    customer = _opted_in(make)
    product = make.make_product()
    _, proforma = place_order(session, customer, product, "monthly", "shop.ro", settings, TODAY)
    session.commit()
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.invoice_id == proforma.id)).all()
    assert [(m.channel, m.event) for m in rows] == [("email", "proforma_order")]
    assert session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.channel == "sms")) == 0


@pytest.mark.parametrize("raw, expected", [("Example.RO", "example.ro"), ("www.shop.ro.", "shop.ro"),
                                           ("ştefan.ro", "xn--tefan-idb.ro"), ("a-b.co.uk", "a-b.co.uk"),
                                           # a pasted address gives its domain
                                           ("https://www.Magazinul-Nou.ro/", "magazinul-nou.ro"),
                                           ("http://shop.ro/produse?x=1", "shop.ro"), ("shop.ro/contact", "shop.ro"),
                                           ("  HTTPS://Ştefan.ro:8443/a ", "xn--tefan-idb.ro")])
def test_domains_are_normalised(raw, expected):
    assert normalise_domain(raw) == expected


@pytest.mark.parametrize("raw", ["", "localhost", "-bad.ro", "bad-.ro", "http://x", "https:///path", "a b.ro", "x.r0",
                                 "<script>.ro", "a" * 64 + ".ro"])
def test_bad_domains_are_refused(raw):
    with pytest.raises(OrderRefused) as err:
        normalise_domain(raw)
    assert err.value.field == "domain"


def test_order_refuses_cycle_without_price_inactive_plan_and_taken_domain(session, make, settings):
    customer = make.make_customer()
    product = make.make_product()
    with pytest.raises(OrderRefused, match="billing cycle"):
        place_order(session, customer, product, "quarterly", "a.ro", settings, TODAY)
    make.make_service(customer, domain="taken.ro")
    with pytest.raises(OrderRefused, match="already hosted"):
        place_order(session, customer, product, "monthly", "taken.ro", settings, TODAY)
    product.active = False
    with pytest.raises(OrderRefused, match="no longer sold"):
        place_order(session, customer, product, "monthly", "free.ro", settings, TODAY)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(Invoice)) == 0


def test_order_bills_the_chosen_profile(session, make, settings):
    customer = make.make_customer()
    company = make.make_profile(customer, kind="company")
    _, proforma = place_order(session, customer, make.make_product(), "monthly", "firma.ro", settings, TODAY,
                              profile=company)
    assert proforma.buyer["company_name"] == "Exemplu SRL"
    other = make.make_profile(make.make_customer())
    with pytest.raises(OrderRefused):
        place_order(session, customer, make.make_product(), "monthly", "other.ro", settings, TODAY, profile=other)


def test_paying_an_order_activates_the_service_for_one_cycle(session, make, settings):
    from hostico.billing.payments import record_payment

    customer = make.make_customer()
    order, proforma = place_order(session, customer, make.make_product(), "monthly", "live.ro", settings, TODAY)
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings, today=TODAY)
    session.commit()
    service = session.scalars(select(Service).where(Service.order_id == order.id)).one()
    assert service.status == "active" and service.next_due_date == dt.date(2026, 4, 10)
    session.refresh(order)
    assert order.status == "paid"


@pytest.mark.parametrize("language, text", [("ro", "Găzduire Starter — magazin.ro (anual)"),
                                            ("en", "Starter hosting — magazin.ro (annual)")])
def test_the_line_is_written_in_the_customers_language(session, make, settings, language, text):
    customer = make.make_customer(language=language)
    product = make.make_product()
    product.name = "Starter"
    _, proforma = place_order(session, customer, product, "annual", "magazin.ro", settings, TODAY)
    assert proforma.lines[0].description == text
