"""My Details — "Close my account" (docs/accounts.md): the password is asked; unpaid orders are cancelled,
invoices kept, personal data anonymised, every session ended; staff see the closure and can undo it for 30
days, after which the data kept for the undo is erased."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select, update

from hostico.accounts.closure import CLOSED_NAME, closed_email, purge_expired
from hostico.billing.orders import place_order
from hostico.billing.payments import record_payment
from hostico.models import (
    AccountClosure,
    AuditLog,
    BillingProfile,
    Customer,
    Invoice,
    Order,
    OutboxMessage,
    Service,
    UserSession,
)
from tests.factories import PASSWORD


def _close(client, password=PASSWORD, confirm="y"):
    return client.post_form("/my-details/close", {"close_password": password, "close_confirm": confirm},
                            token_from="/my-details")


def _customer_with_history(make, session, settings):
    customer = make.make_customer(name="Ion Închide", email="ion@example.com", phone_e164="+40722333444",
                                  sms_opt_in=True, sms_consent_at=dt.datetime(2026, 1, 2, tzinfo=dt.UTC))
    paid = make.make_proforma(customer, service=make.make_service(customer, domain="ion-activ.example"))
    record_payment(session, paid.id, amount=paid.total, method="card", settings=settings, today=dt.date.today(),
                   reference="close-test")
    order, proforma = place_order(session, customer, make.make_product(), "monthly", "ion-nou.example", settings,
                                  dt.date.today())
    session.commit()
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == paid.id))
    return customer, order, proforma, tax


def test_closing_cancels_unpaid_orders_keeps_invoices_anonymises_and_ends_every_session(
        app, client, make, login_as, session, settings):
    customer, order, proforma, tax = _customer_with_history(make, session, settings)
    login_as(client, customer)
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    resp = _close(client)
    assert resp.status_code == 303 and resp.headers["Location"] == "/login"
    assert "Your account is closed" in client.get("/login").get_data(as_text=True)
    assert copy.get("/").status_code == 302  # a copied cookie is logged out too
    session.expire_all()
    closed = session.get(Customer, customer.id)
    assert (closed.name, closed.email, closed.phone_e164, closed.sms_opt_in) == (
        CLOSED_NAME, closed_email(customer.id), None, False)
    assert closed.closed_at is not None
    profiles = session.scalars(select(BillingProfile).where(BillingProfile.customer_id == customer.id)).all()
    assert profiles and all(p.deleted_at and p.name is None and p.address == "" for p in profiles)
    assert session.get(Order, order.id).status == "cancelled"
    assert session.get(Invoice, proforma.id).status == "cancelled"
    assert session.scalar(select(Service.status).where(Service.domain == "ion-nou.example")) == "cancelled"
    kept = session.get(Invoice, tax.id)
    assert kept.status == tax.status and kept.buyer["name"] == "Ion Închide"  # the invoice keeps its buyer
    assert session.scalars(select(OutboxMessage).where(OutboxMessage.customer_id == customer.id,
                                                       OutboxMessage.status == "pending")).all() == []
    assert all(r.revoked_at for r in session.scalars(select(UserSession)))
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "customer.account_closed"))
    assert entry.data["cancelled_orders"] == 1
    # Nobody logs in as the account any more, with the old address or the placeholder.
    for email in ("ion@example.com", closed_email(customer.id)):
        assert client.post_form("/login", {"email": email, "password": PASSWORD}).status_code == 401


def test_a_wrong_password_closes_nothing(client, make, login_as, session):
    customer = make.make_customer(name="Nu Închide")
    login_as(client, customer)
    resp = _close(client, "not-my-password")
    assert resp.status_code == 422 and "Wrong password." in resp.get_data(as_text=True)
    session.expire_all()
    kept = session.get(Customer, customer.id)
    assert kept.closed_at is None and kept.name == "Nu Închide"
    assert client.get("/").status_code == 200
    assert session.scalar(select(AuditLog.data).where(AuditLog.action == "customer.step_up_failed")) == {
        "purpose": "close_account", "attempt": 1}


def test_closing_needs_a_post_with_csrf_and_the_password_field(client, make, login_as, session):
    customer = make.make_customer()
    login_as(client, customer)
    assert client.get("/my-details/close").status_code == 405
    assert client.post("/my-details/close", data={"close_password": PASSWORD}).status_code == 400
    assert _close(client, "").status_code == 422
    session.expire_all()
    assert session.get(Customer, customer.id).closed_at is None


def test_closing_needs_the_confirmation_box_ticked(client, make, login_as, session):
    customer = make.make_customer()
    login_as(client, customer)
    resp = _close(client, confirm="")
    assert resp.status_code == 422 and "Tick the box to confirm." in resp.get_data(as_text=True)
    assert client.get("/").status_code == 200  # still logged in
    session.expire_all()
    assert session.get(Customer, customer.id).closed_at is None


def test_staff_see_the_closure_and_undo_it_within_30_days(app, client, make, login_as, login_staff, session,
                                                          settings):
    customer, order, _proforma, _tax = _customer_with_history(make, session, settings)
    login_as(client, customer)
    _close(client)
    staff = app.test_client()
    login_staff(staff, make.make_staff(role="support"))
    page = staff.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert "The customer closed this account" in page and "Undo the closure" in page
    resp = staff.post_form(f"/staff/customers/{customer.id}/reopen", token_from=f"/staff/customers/{customer.id}")
    assert resp.status_code == 303
    session.expire_all()
    back = session.get(Customer, customer.id)
    assert (back.name, back.email, back.phone_e164, back.closed_at) == ("Ion Închide", "ion@example.com",
                                                                        "+40722333444", None)
    profile = session.scalar(select(BillingProfile).where(BillingProfile.customer_id == customer.id))
    assert profile.name == "Ion Închide" and profile.deleted_at is None and profile.address
    assert session.get(Order, order.id).status == "cancelled"  # cancelled orders stay cancelled
    assert session.scalar(select(AccountClosure.snapshot)) is None
    assert session.scalar(select(AuditLog).where(AuditLog.action == "customer.account_reopened")) is not None
    assert client.post_form("/login", {"email": "ion@example.com", "password": PASSWORD}).status_code == 302


def test_after_30_days_the_kept_data_is_erased_and_the_closure_cannot_be_undone(
        app, client, make, login_as, login_staff, session):
    customer = make.make_customer(name="Prea Târziu")
    login_as(client, customer)
    _close(client)
    session.execute(update(AccountClosure).values(undo_until=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)))
    session.commit()
    assert purge_expired(session) == 1
    session.commit()
    assert session.scalar(select(AccountClosure.snapshot)) is None
    staff = app.test_client()
    login_staff(staff, make.make_staff(role="admin"))
    page = staff.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    assert "It can no longer be reopened" in page and "Undo the closure" not in page
    staff.post_form(f"/staff/customers/{customer.id}/reopen", token_from=f"/staff/customers/{customer.id}")
    session.expire_all()
    assert session.get(Customer, customer.id).closed_at is not None
    assert "Prea Târziu" not in str(session.scalars(select(AccountClosure.snapshot)).all())


def test_billing_staff_cannot_reopen_and_a_taken_address_is_refused(app, client, make, login_as, login_staff,
                                                                    session):
    customer = make.make_customer(email="luat@example.com")
    login_as(client, customer)
    _close(client)
    billing = app.test_client()
    login_staff(billing, make.make_staff(role="billing"))
    assert billing.post_form(f"/staff/customers/{customer.id}/reopen",
                             token_from=f"/staff/customers/{customer.id}").status_code == 403
    make.make_customer(email="luat@example.com")  # someone signed up with the address meanwhile
    session.commit()
    admin = app.test_client()
    login_staff(admin, make.make_staff(role="admin"))
    admin.post_form(f"/staff/customers/{customer.id}/reopen", token_from=f"/staff/customers/{customer.id}")
    assert "now belongs to another account" in admin.get(f"/staff/customers/{customer.id}").get_data(as_text=True)
    session.expire_all()
    assert session.get(Customer, customer.id).closed_at is not None
