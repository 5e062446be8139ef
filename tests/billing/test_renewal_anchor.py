"""Renewals keep the service's day of the month (docs/billing.md, Payments)."""

import datetime as dt

from sqlalchemy import select, text

from hostico.billing.hosting_services import add_months
from hostico.billing.payments import record_payment
from hostico.billing.run import run_billing
from hostico.models import Invoice, InvoiceLine, Service


def _pay_next(session, settings, service, today):
    """Run the billing run on `today`, pay the renewal proforma it issued, return the service's next due date."""
    run_billing(session, settings, today)
    proforma = session.scalars(select(Invoice).join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id).where(
        InvoiceLine.service_id == service.id, Invoice.kind == "proforma", Invoice.status == "unpaid")).one()
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings, today=today)
    session.commit()
    session.refresh(service)
    return service.next_due_date, proforma.lines[0].period_end


def test_a_service_due_on_the_31st_renews_on_the_month_end_and_back_to_the_31st(session, make, settings):
    c = make.make_customer()
    service = make.make_service(c, next_due_date=dt.date(2027, 1, 31))
    dues = []
    for today in (dt.date(2027, 1, 20), dt.date(2027, 2, 20), dt.date(2027, 3, 20)):
        dues.append(_pay_next(session, settings, service, today))
    assert [d for d, _ in dues] == [dt.date(2027, 2, 28), dt.date(2027, 3, 31), dt.date(2027, 4, 30)]
    assert [end for _, end in dues] == [dt.date(2027, 2, 27), dt.date(2027, 3, 30), dt.date(2027, 4, 29)]


def test_29_february_comes_back_in_leap_years():
    dates = [dt.date(2028, 2, 29)]
    for _ in range(4):
        dates.append(add_months(dates[-1], 12, 29))
    assert dates == [dt.date(2028, 2, 29), dt.date(2029, 2, 28), dt.date(2030, 2, 28), dt.date(2031, 2, 28),
                     dt.date(2032, 2, 29)]


def test_new_services_take_their_first_due_day_as_anchor(session, make):
    c = make.make_customer()
    service = make.make_service(c, next_due_date=dt.date(2027, 1, 30))
    assert service.anchor_day == 30


def test_migration_anchors_existing_services_clamped_at_a_month_end(fresh_database):
    """A service ordered on the 31st whose due date already drifted to 28 Feb gets anchor 31 back."""
    from alembic import command
    from sqlalchemy import create_engine

    from hostico.db import alembic_config, upgrade

    url = fresh_database()
    cfg = alembic_config(url)
    command.upgrade(cfg, "0003")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO customers (id, email, password_hash, name, sms_opt_in, locale, session_epoch,"
                          " totp_enabled, created_at) VALUES (1, 'a@b.ro', 'x', 'A', false, 'en', 1, false,"
                          " '2027-01-31 10:00:00')"))
        conn.execute(text("INSERT INTO products (id, code, name, description, active, created_at)"
                          " VALUES (1, 'p', 'P', '', true, '2027-01-01 10:00:00')"))
        for sid, due in ((1, "2027-02-28"), (2, "2027-03-15")):
            conn.execute(text("INSERT INTO services (id, customer_id, product_id, domain, cycle, price, currency,"
                              " status, next_due_date, created_at) VALUES (:id, 1, 1, :d, 'monthly', 1000, 'RON',"
                              " 'active', :due, '2027-01-31 10:00:00')"), {"id": sid, "d": f"s{sid}.ro", "due": due})
    engine.dispose()
    upgrade(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        anchors = dict(conn.execute(select(Service.id, Service.anchor_day).order_by(Service.id)).all())
    engine.dispose()
    assert anchors == {1: 31, 2: 15}
