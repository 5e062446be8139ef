"""Run the billing run from /staff/billing-run (needs hostico.billing.run from the billing engine's branch)."""

import datetime as dt

from sqlalchemy import func, select

from hostico.models import AuditLog, Invoice


def test_staff_run_the_billing_run_for_a_date_and_see_its_summary(client, make, make_staff, login_staff, session):
    customer = make.make_customer()
    today = dt.date.today()
    service = make.make_service(customer, next_due_date=today + dt.timedelta(days=5))
    staff = make_staff("billing")
    login_staff(client, staff)
    resp = client.post_form("/staff/billing-run", {"today": today.isoformat(), "confirm": "y"},
                            token_from="/staff/billing-run")
    assert resp.status_code == 200
    page = resp.get_data(as_text=True)
    assert "Summary of the run just made" in page
    renewal = session.scalar(select(Invoice).where(Invoice.customer_id == customer.id, Invoice.kind == "proforma"))
    assert renewal is not None and renewal.origin == "system"
    assert any(line.service_id == service.id for line in renewal.lines)
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "billing.run"))
    assert entry.actor_kind == "staff" and entry.actor_id == staff.id and entry.data["today"] == today.isoformat()
    # Running it again for the same day changes nothing.
    client.post_form("/staff/billing-run", {"today": today.isoformat(), "confirm": "y"},
                     token_from="/staff/billing-run")
    assert session.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "proforma")) == 1
