"""Staff actions: each changes what it says, notifies as docs/sms.md says, and writes an audit entry."""

import datetime as dt
import json

import pytest
from sqlalchemy import func, select

from hostico.accounts.closure import close_account
from hostico.billing.payments import record_payment
from hostico.models import AuditLog, Customer, Invoice, MailLoginToken, OutboxMessage, Payment, Service, utcnow
from hostico.web.app_settings import settings as app_settings
from tests.factories import PASSWORD
from tests.staff.conftest import fill_url, staff_rules

# The outbox, approvals, e-Factura, bank-statement and refund actions belong to other areas, which test their
# own actions (tests/efactura/test_staff_page.py, tests/payments/test_staff_pages.py, tests/payments/test_refunds.py).
OTHER_AREAS = ("hostico.staff.approvals", "hostico.staff.outbox", "hostico.staff.efactura", "hostico.staff.statements",
               "hostico.staff.refunds", "hostico.staff.credit")
# The billing run's page is tested with the billing run itself (tests/staff/test_billing_run_page.py).
# Before a staff login (tests/accounts/test_password_reset.py audits the reset), or with their own world.
TESTED_ELSEWHERE = {"staff.billing_run", "staff.login", "staff.login_code", "staff.login_enrol",
                    "staff.password_reset", "staff.password_reset_new"}


@pytest.fixture
def world(app, make, session, settings):
    """A customer opted in to SMS with an active service, an unpaid proforma and a tax invoice."""
    customer = make.make_customer(phone_e164="+40722123456", sms_opt_in=True, sms_consent_at=utcnow())
    service = make.make_service(customer, domain="spam-site.ro")
    suspended = make.make_service(customer, domain="paused.ro", status="suspended", suspension_reason="other",
                                  suspended_at=utcnow())
    spare = make.make_service(customer, domain="billable.ro")
    unpaid = make.make_proforma(customer, amount="40.00")
    paid = make.make_proforma(customer, amount="10.00")
    record_payment(session, paid.id, amount=paid.total, method="card", settings=settings, today=paid.issue_date)
    session.commit()
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == paid.id))
    session.add(MailLoginToken(jti="j1", customer_id=customer.id, invoice_id=paid.id,
                               expires_at=utcnow() + dt.timedelta(days=7)))
    session.commit()
    closed = make.make_customer(email="closed@example.com")
    close_account(session, closed, PASSWORD, settings=app_settings(app).accounts)
    session.commit()
    return {"customer": customer, "service": service, "suspended": suspended, "spare": spare,
            "unpaid": unpaid, "tax": tax, "closed": closed}


def _audit_count(session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditLog))


def test_every_state_changing_staff_action_writes_an_audit_entry(app, client, make, make_staff, login_staff, world,
                                                                  session):
    from hostico.accounts.closure import close_account
    from hostico.accounts.settings import AccountSettings
    from tests.factories import PASSWORD

    w = world
    w["closed"] = make.make_customer(name="Cont Închis")
    close_account(session, w["closed"], PASSWORD, settings=AccountSettings())  # staff may undo it (reopen)
    session.commit()
    cases = {
        "staff.suspend": (f"/staff/services/{w['service'].id}/suspend", {"reason": "abuse", "note": "phishing",
                                                                     "confirm": "yes"}),
        "staff.unsuspend": (f"/staff/services/{w['suspended'].id}/unsuspend", {}),
        "staff.terminate": (f"/staff/services/{w['suspended'].id}/terminate", {"confirm": "y"}),
        "staff.issue_proforma": (f"/staff/customers/{w['customer'].id}/proformas",
                                 {"services": str(w["spare"].id), "profile": "0"}),
        "staff.record_transfer": (f"/staff/invoices/{w['unpaid'].code}/payment",
                                  {"amount": str(w["unpaid"].total), "reference": "OP 12", "key": "audit-1"}),
        "staff.cancel": (None, {"cancel-reason": "duplicate", "confirm": "yes"}),
        "staff.credit_note": (f"/staff/invoices/{w['tax'].code}/credit-note", {"credit-reason": "refund"}),
        "staff.reissue": (f"/staff/invoices/{w['tax'].code}/reissue", {"reissue-reason": "wrong buyer"}),
        "staff.resend": (f"/staff/invoices/{w['tax'].code}/resend", {"nonce": "resend-1"}),
        "staff.revoke_links": (f"/staff/customers/{w['customer'].id}/revoke-links", {}),
        "staff.end_sessions": (f"/staff/customers/{w['customer'].id}/end-sessions", {}),
        "staff.reopen_account": (f"/staff/customers/{w['closed'].id}/reopen", {}),
        "staff.customer_new": ("/staff/customers/new", {"account-name": "Ion Nou",
                                                        "account-email": "ion.nou@example.com",
                                                        "account-language": "ro"}),
        "staff.resend_invitation": (None, {}),
        "staff.logout": ("/staff/logout", {}),
    }
    post_endpoints = {r.endpoint for r in staff_rules(app) if "POST" in r.methods
                      and app.view_functions[r.endpoint].__module__ not in OTHER_AREAS}
    assert post_endpoints - TESTED_ELSEWHERE == set(cases), "add a case for each new staff action"
    login_staff(client, staff := make_staff("admin"))
    for endpoint, (url, data) in cases.items():
        if endpoint == "staff.cancel":  # needs an unpaid proforma: issue_proforma made one
            code = session.scalar(select(Invoice.code).where(Invoice.kind == "proforma", Invoice.status == "unpaid")
                                  .order_by(Invoice.id.desc()))
            url = f"/staff/invoices/{code}/cancel"
        if endpoint == "staff.resend_invitation":  # the customer staff_customer_new just invited
            invited = session.scalar(select(Customer.id).where(Customer.email == "ion.nou@example.com"))
            url = f"/staff/customers/{invited}/invitation"
        before = _audit_count(session)
        resp = client.post_form(url, data, token_from="/staff/")
        assert resp.status_code in (302, 303), f"{endpoint}: {resp.status_code}"
        assert _audit_count(session) > before, f"{endpoint} wrote no audit entry"
        entry = session.scalar(select(AuditLog).order_by(AuditLog.id.desc()))
        assert entry.actor_kind == "staff" and entry.actor_id == staff.id, endpoint


def test_suspending_for_abuse_sends_sms_and_email(client, make_staff, login_staff, world, session):
    customer, service = world["customer"], world["service"]
    login_staff(client, make_staff("support"))
    resp = client.post_form(f"/staff/services/{service.id}/suspend",
                            {"reason": "abuse", "note": "phishing kit", "confirm": "yes"},
                            token_from=f"/staff/customers/{customer.id}")
    assert resp.status_code == 303
    session.expire_all()
    svc = session.get(Service, service.id)
    assert (svc.status, svc.suspension_reason, svc.suspension_note) == ("suspended", "abuse", "phishing kit")
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.service_id == service.id,
                                                       OutboxMessage.event == "suspension")).all()
    sms = [m for m in rows if m.channel == "sms"]
    email = [m for m in rows if m.channel == "email"]
    assert len(sms) == 1 and sms[0].recipient == "+40722123456"
    assert len(email) == 1 and email[0].recipient == customer.email
    assert session.scalar(select(AuditLog).where(AuditLog.action == "service.suspended",
                                                 AuditLog.object_id == str(service.id)))
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "is suspended (abuse)" in page


def test_suspension_without_sms_consent_sends_email_only(client, make_staff, login_staff, make, session):
    customer = make.make_customer(phone_e164="+40722000111")
    service = make.make_service(customer)
    login_staff(client, make_staff())
    client.post_form(f"/staff/services/{service.id}/suspend", {"reason": "other", "confirm": "yes"},
                     token_from="/staff/")
    channels = session.scalars(select(OutboxMessage.channel).where(OutboxMessage.service_id == service.id)).all()
    assert channels == ["email"]


def test_bad_suspension_reason_changes_nothing(client, make_staff, login_staff, world, session):
    service = world["service"]
    login_staff(client, make_staff())
    resp = client.post_form(f"/staff/services/{service.id}/suspend", {"reason": "because", "confirm": "yes"},
                            token_from="/staff/")
    assert resp.status_code == 303
    assert "Not a valid choice" in client.get(resp.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Service, service.id).status == "active"
    assert session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.service_id == service.id)) == 0


def test_suspending_a_suspended_service_shows_the_domain_error(client, make_staff, login_staff, world):
    login_staff(client, make_staff())
    resp = client.post_form(f"/staff/services/{world['suspended'].id}/suspend", {"reason": "abuse", "confirm": "yes"},
                            token_from="/staff/")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "only active services can be suspended" in page


def test_unsuspend_and_terminate(client, make_staff, login_staff, world, session):
    login_staff(client, make_staff())
    sid = world["suspended"].id
    client.post_form(f"/staff/services/{sid}/unsuspend", {}, token_from="/staff/")
    session.expire_all()
    assert session.get(Service, sid).status == "active"
    # Terminating asks first: the first POST only shows what will happen.
    assert "Yes, terminate" in client.post_form(f"/staff/services/{sid}/terminate", {},
                                                token_from="/staff/").get_data(as_text=True)
    session.expire_all()
    assert session.get(Service, sid).status == "active"
    client.post_form(f"/staff/services/{sid}/terminate", {"confirm": "y"}, token_from="/staff/")
    session.expire_all()
    assert session.get(Service, sid).status == "terminated"
    events = set(session.scalars(select(OutboxMessage.event).where(OutboxMessage.service_id == sid)))
    assert events == {"unsuspension", "termination"}


def test_staff_proforma_is_origin_system_and_notifies_like_the_renewal_run(client, make_staff, login_staff,
                                                                          world, session):
    spare = world["spare"]
    login_staff(client, make_staff("billing"))
    resp = client.post_form(f"/staff/customers/{world['customer'].id}/proformas",
                            {"services": str(spare.id), "profile": "0", "description": "Setup fee",
                             "amount": "15.00"}, token_from="/staff/")
    assert resp.status_code == 303
    inv = session.scalar(select(Invoice).order_by(Invoice.id.desc()))
    assert (inv.kind, inv.origin, inv.status) == ("proforma", "system", "unpaid")
    assert [line.description for line in inv.lines][1] == "Setup fee"
    assert inv.lines[0].service_id == spare.id and inv.lines[0].period_start == spare.next_due_date
    channels = sorted(session.scalars(select(OutboxMessage.channel).where(
        OutboxMessage.invoice_id == inv.id, OutboxMessage.event == "proforma_system")))
    assert channels == ["email", "sms"]
    # Billing the same service again while that proforma is unpaid is refused.
    resp = client.post_form(f"/staff/customers/{world['customer'].id}/proformas",
                            {"services": str(spare.id), "profile": "0"}, token_from="/staff/")
    page = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert f"already billed on unpaid proforma {inv.code}" in page
    assert session.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "proforma")) == 3


def test_proforma_needs_something_to_bill(client, make_staff, login_staff, world, session):
    login_staff(client, make_staff())
    for data, message in (({"profile": "0"}, "Choose at least one service"),
                          ({"profile": "0", "description": "Fee"}, "Give both a description and an amount"),
                          ({"profile": "0", "services": str(world["service"].id + 999)}, "not a valid choice")):
        resp = client.post_form(f"/staff/customers/{world['customer'].id}/proformas", data, token_from="/staff/")
        assert message in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Invoice)) == 3


def test_bank_transfer_pays_the_proforma_once(client, make_staff, login_staff, world, session):
    unpaid = world["unpaid"]
    login_staff(client, make_staff("billing"))
    data = {"amount": str(unpaid.total), "reference": "OP 555", "key": "same-form"}
    first = client.post_form(f"/staff/invoices/{unpaid.code}/payment", data, token_from="/staff/")
    second = client.post_form(f"/staff/invoices/{unpaid.code}/payment", data, token_from="/staff/")
    assert first.status_code == second.status_code == 303
    session.expire_all()
    payments = session.scalars(select(Payment).where(Payment.invoice_id == unpaid.id)).all()
    assert len(payments) == 1
    assert payments[0].method == "bank_transfer" and payments[0].reference == "OP 555"
    assert payments[0].recorded_by_staff_id is not None
    tax = session.get(Invoice, payments[0].tax_invoice_id)
    assert tax.kind == "tax" and tax.buyer == session.get(Invoice, unpaid.id).buyer
    assert "already recorded" in client.get(second.headers["Location"]).get_data(as_text=True)


def test_bank_transfer_can_issue_the_tax_invoice_on_another_payer(client, make_staff, login_staff, world,
                                                                   session):
    unpaid = world["unpaid"]
    login_staff(client, make_staff())
    resp = client.post_form(f"/staff/invoices/{unpaid.code}/payment", {
        "amount": str(unpaid.total), "reference": "OP 9", "key": "k9", "payer": "other",
        "payer_name": "Payer <b>SRL</b>", "payer_cui": "34567892", "payer_address": "Str. X 1",
        "payer_city": "Iași", "payer_county": "RO-IS", "payer_country": "RO"}, token_from="/staff/")
    assert resp.status_code == 303
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == unpaid.id))
    assert tax.buyer["company_name"] == "Payer <b>SRL</b>" and tax.buyer["cui"] == "34567892"
    page = client.get(f"/staff/invoices/{tax.code}").get_data(as_text=True)
    assert "Payer &lt;b&gt;SRL&lt;/b&gt;" in page


def test_bad_payment_input_is_shown_at_the_field_and_changes_nothing(client, make_staff, login_staff, world,
                                                                    session):
    unpaid = world["unpaid"]
    login_staff(client, make_staff())
    url = f"/staff/invoices/{unpaid.code}/payment"
    resp = client.post_form(url, {"amount": "-5", "reference": "", "key": "k", "payer": "other",
                                  "payer_cui": "12345678"}, token_from="/staff/")
    assert resp.status_code == 422
    page = resp.get_data(as_text=True)
    assert 'class="field-error" id="amount-error"' in page and 'id="reference-error"' in page
    assert "Enter the payer's name." in page and "This CUI is not valid" in page
    # A wrong amount (more than is left to pay) is a domain refusal, shown at the amount field too.
    resp = client.post_form(url, {"amount": str(unpaid.total + 1), "reference": "OP", "key": "k2"},
                            token_from="/staff/")
    assert resp.status_code == 422 and 'id="amount-error"' in resp.get_data(as_text=True)
    assert "left to pay on the proforma" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Invoice, unpaid.id).status == "unpaid"
    assert session.scalar(select(func.count()).select_from(Payment)) == 1


def test_cancel_proforma_and_refusals(client, make_staff, login_staff, world, session):
    unpaid, tax = world["unpaid"], world["tax"]
    session.add(OutboxMessage(channel="email", event="reminder", dedupe_key="reminder:x:email",
                              customer_id=unpaid.customer_id, invoice_id=unpaid.id, recipient="a@b.c",
                              template="reminder", context={}, status="pending"))
    session.commit()
    login_staff(client, make_staff())
    client.post_form(f"/staff/invoices/{unpaid.code}/cancel", {"cancel-reason": "customer left", "confirm": "yes"},
                     token_from="/staff/")
    session.expire_all()
    inv = session.get(Invoice, unpaid.id)
    assert inv.status == "cancelled" and inv.cancelled_at is not None
    assert session.scalar(select(OutboxMessage.status).where(OutboxMessage.event == "reminder")) == "cancelled"
    resp = client.post_form(f"/staff/invoices/{unpaid.code}/cancel", {"cancel-reason": "again", "confirm": "yes"},
                            token_from="/staff/")
    assert "is not an unpaid proforma" in client.get(resp.headers["Location"]).get_data(as_text=True)
    resp = client.post_form(f"/staff/invoices/{tax.code}/cancel", {"cancel-reason": "no", "confirm": "yes"},
                            token_from="/staff/")
    assert "is not an unpaid proforma" in client.get(resp.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    assert session.get(Invoice, tax.id).status == "issued"


def test_credit_note_corrects_a_tax_invoice_up_to_its_total(client, make_staff, login_staff, world, session):
    tax, unpaid = world["tax"], world["unpaid"]
    login_staff(client, make_staff("billing"))
    resp = client.post_form(f"/staff/invoices/{tax.code}/credit-note", {"credit-reason": "service not delivered"},
                            token_from="/staff/")
    note = session.scalar(select(Invoice).where(Invoice.kind == "credit_note"))
    assert note.corrects_id == tax.id and note.total == -tax.total
    assert resp.headers["Location"].endswith(f"/staff/invoices/{note.code}")
    assert session.scalar(select(OutboxMessage.channel).where(OutboxMessage.invoice_id == note.id)) == "email"
    resp = client.post_form(f"/staff/invoices/{tax.code}/credit-note", {"credit-reason": "twice"},
                            token_from="/staff/")
    assert "already fully credited" in client.get(resp.headers["Location"]).get_data(as_text=True)
    resp = client.post_form(f"/staff/invoices/{unpaid.code}/credit-note", {"credit-reason": "x"},
                            token_from="/staff/")
    assert "Credit notes correct tax invoices only" in client.get(resp.headers["Location"]).get_data(as_text=True)
    assert session.scalar(select(func.count()).select_from(Invoice).where(Invoice.kind == "credit_note")) == 1


def test_resend_queues_one_email_per_resend(client, make_staff, login_staff, world, session):
    tax = world["tax"]
    login_staff(client, make_staff("support"))
    url = f"/staff/invoices/{tax.code}/resend"
    client.post_form(url, {"nonce": "a"}, token_from="/staff/")
    client.post_form(url, {"nonce": "a"}, token_from="/staff/")  # the same form sent twice
    client.post_form(url, {"nonce": "b"}, token_from="/staff/")
    rows = session.scalars(select(OutboxMessage).where(OutboxMessage.event == "invoice_resend")).all()
    assert len(rows) == 2 and {m.channel for m in rows} == {"email"}
    assert session.scalar(select(func.count()).select_from(AuditLog).where(AuditLog.action == "invoice.resent")) == 2


def test_revoke_mail_login_links(client, make_staff, login_staff, world, session):
    login_staff(client, make_staff("support"))
    resp = client.post_form(f"/staff/customers/{world['customer'].id}/revoke-links", {}, token_from="/staff/")
    assert "Revoked 1 mail-login links." in client.get(resp.headers["Location"]).get_data(as_text=True)
    session.expire_all()
    token = session.scalar(select(MailLoginToken))
    assert token.revoked_at is not None and token.revoked_reason == "staff"
    entry = session.scalar(select(AuditLog).where(AuditLog.action == "maillogin.revoked").order_by(AuditLog.id.desc()))
    assert entry.actor_kind == "staff" and json.loads(json.dumps(entry.data))["count"] == 1


def test_actions_on_unknown_objects_are_404(app, client, make_staff, login_staff):
    login_staff(client, make_staff())
    token = client.csrf_token("/staff/")
    for rule in staff_rules(app):
        if not rule.arguments or app.view_functions[rule.endpoint].__module__ in OTHER_AREAS:
            continue
        url = fill_url(rule).replace("/1", "/999999")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            resp = client.open(url, method=method, data={"csrf_token": token})
            assert resp.status_code == 404, f"{method} {url}: {resp.status_code}"


def test_received_date_and_amount_limits_are_reported_at_the_field(client, make_staff, login_staff, world, session):
    unpaid = world["unpaid"]
    login_staff(client, make_staff("billing"))
    url = f"/staff/invoices/{unpaid.code}/payment"
    cases = (
        ({"received_on": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, "received_on-error",
         "cannot have arrived after today"),
        ({"received_on": (unpaid.issue_date - dt.timedelta(days=1)).isoformat()}, "received_on-error",
         f"before proforma {unpaid.code} was issued"),
        ({"amount": "1000000.00"}, "amount-error", "left to pay on the proforma"),
        ({"amount": "100000000.00"}, "amount-error", "Number must be between"),
    )
    for n, (change, field_id, text) in enumerate(cases):
        data = {"amount": str(unpaid.total), "reference": "OP 7", "key": f"limit-{n}", **change}
        resp = client.post_form(url, data, token_from="/staff/")
        page = resp.get_data(as_text=True)
        assert resp.status_code == 422, change
        assert f'id="{field_id}"' in page and text in page, change
        assert "already recorded" not in page
    session.expire_all()
    assert session.get(Invoice, unpaid.id).status == "unpaid"


def test_a_million_lei_proforma_is_paid_by_transfer_with_its_collection_date(client, make_staff, login_staff, make,
                                                                            session):
    customer = make.make_customer()
    big = make.make_proforma(customer, amount="900000.00", today=dt.date.today() - dt.timedelta(days=5))
    assert big.total > 1_000_000  # 1,089,000.00 lei: refused by the database CHECK before
    login_staff(client, make_staff("billing"))
    arrived = dt.date.today() - dt.timedelta(days=3)
    resp = client.post_form(f"/staff/invoices/{big.code}/payment", {
        "amount": str(big.total), "reference": "OP 1", "key": "big-1", "received_on": arrived.isoformat()},
        token_from="/staff/")
    assert resp.status_code == 303
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == big.id))
    assert tax.collected_on == arrived and tax.total == big.total
    payment = session.scalar(select(Payment).where(Payment.invoice_id == big.id))
    assert payment.received_on == arrived


def test_partial_credit_notes_then_storno_and_reissue_from_the_staff_page(client, make_staff, login_staff, make,
                                                                         session, settings):
    from decimal import Decimal

    from hostico.billing.invoicing import LineSpec, create_proforma

    customer = make.make_customer()
    other = make.make_profile(customer, kind="company", company_name="Corect SRL")
    proforma = create_proforma(session, customer, [LineSpec("Hosting", Decimal("100.00")),
                                                   LineSpec("Domain", Decimal("50.00"))],
                               origin="manual", settings=settings, today=dt.date.today())
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                   today=dt.date.today())
    session.commit()
    tax = session.scalar(select(Invoice).where(Invoice.proforma_id == proforma.id))
    login_staff(client, make_staff("billing"))
    url = f"/staff/invoices/{tax.code}/credit-note"
    page = client.get(f"/staff/invoices/{tax.code}").get_data(as_text=True)
    assert "Left to credit" in page and "Issue the corrected tax invoice" not in page
    resp = client.post_form(url, {"credit-reason": "domain", "credit-lines": "2"}, token_from="/staff/")
    assert resp.status_code == 303
    resp = client.post_form(url, {"credit-reason": "too much", "credit-amount": "150.00"}, token_from="/staff/")
    assert resp.status_code == 422
    assert 'id="credit-amount-error"' in resp.get_data(as_text=True)
    assert f"At most 121.00 RON of {tax.code} is left to credit." in resp.get_data(as_text=True)
    resp = client.post_form(url, {"credit-reason": "rest", "credit-amount": "121.00"}, token_from="/staff/")
    assert resp.status_code == 303
    notes = session.scalars(select(Invoice).where(Invoice.corrects_id == tax.id).order_by(Invoice.id)).all()
    assert [n.total for n in notes] == [Decimal("-60.50"), Decimal("-121.00")]
    page = client.get(f"/staff/invoices/{tax.code}").get_data(as_text=True)
    assert "Issue the corrected tax invoice" in page and "Left to credit" not in page
    resp = client.post_form(f"/staff/invoices/{tax.code}/reissue",
                            {"reissue-reason": "wrong buyer", "reissue-payer": f"profile:{other.id}"},
                            token_from="/staff/")
    assert resp.status_code == 303
    again = session.scalar(select(Invoice).where(Invoice.proforma_id == proforma.id, Invoice.id != tax.id))
    assert again.code == "HST-000002" and again.buyer["company_name"] == "Corect SRL" and again.total == tax.total
    assert resp.headers["Location"].endswith(f"/staff/invoices/{again.code}")
    assert session.scalar(select(AuditLog.id).where(AuditLog.action == "invoice.reissued"))
