"""Audit entries the security review asked for (docs/accounts.md): logout (customers and staff) and every 403
refusal, with who, what and from where — the path redacted like every log."""

from __future__ import annotations

from sqlalchemy import select

from hostico.models import AuditLog


def _entries(session, action):
    session.expire_all()
    return session.scalars(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)).all()


def test_a_customer_logout_is_audited(client, make, login_as, session):
    customer = make.make_customer()
    login_as(client, customer)
    client.post_form("/logout", token_from="/")
    [entry] = _entries(session, "customer.logout")
    assert (entry.actor_kind, entry.actor_id, entry.customer_id, entry.ip) == (
        "customer", customer.id, customer.id, "127.0.0.1")


def test_a_staff_logout_is_audited_once(app, make, login_staff, session):
    staff = make.make_staff(role="admin")
    client = app.test_client()
    login_staff(client, staff)
    client.post_form("/staff/logout", token_from="/staff/")
    [entry] = _entries(session, "staff.logout")
    assert (entry.actor_kind, entry.actor_id) == ("staff", staff.id)


def test_a_customer_refused_from_the_staff_area_is_audited(client, make, login_as, session):
    customer = make.make_customer()
    login_as(client, customer)
    assert client.get("/staff/customers").status_code == 403
    [entry] = _entries(session, "access.refused")
    assert (entry.actor_kind, entry.actor_id, entry.customer_id, entry.ip) == (
        "customer", customer.id, customer.id, "127.0.0.1")
    assert entry.data == {"endpoint": "staff.customers", "method": "GET", "path": "/staff/customers"}


def test_a_staff_role_refused_a_permission_is_audited(app, make, login_staff, session):
    staff = make.make_staff(role="support")
    client = app.test_client()
    login_staff(client, staff)
    assert client.get("/staff/reports").status_code == 403
    [entry] = _entries(session, "access.refused")
    assert (entry.actor_kind, entry.actor_id, entry.data["endpoint"]) == ("staff", staff.id, "staff.reports")


def test_the_refused_path_is_kept_without_its_token(client, make, login_as, session):
    customer = make.make_customer()
    login_as(client, customer)
    client.get("/staff/customers?q=secret-query")
    [entry] = _entries(session, "access.refused")
    assert "secret-query" not in str(entry.data)
