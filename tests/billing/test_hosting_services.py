"""Suspension (nonpayment, abuse, other), unsuspension and termination, in the domain and the CLI."""

import datetime as dt

import pytest
from sqlalchemy import select

from hostico.billing.errors import InvalidTransition
from hostico.billing.hosting_services import suspend_service, terminate_service, unsuspend_service
from hostico.models import AuditLog, Invoice, OutboxMessage, Service


def _outbox(session, event):
    session.expire_all()
    return sorted(session.scalars(select(OutboxMessage.channel).where(OutboxMessage.event == event)).all())


@pytest.mark.parametrize("reason", ["nonpayment", "abuse", "other"])
def test_suspension_of_any_reason_notifies_by_email_and_sms(session, make, reason):
    c = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    service = make.make_service(c)
    suspend_service(session, service, reason=reason, note="see ticket 42")
    session.commit()
    assert (service.status, service.suspension_reason, service.suspension_note) == ("suspended", reason,
                                                                                      "see ticket 42")
    assert _outbox(session, "suspension") == ["email", "sms"]
    assert session.scalar(select(AuditLog.data).where(AuditLog.action == "service.suspended"))["reason"] == reason


def test_suspension_rules(session, make):
    c = make.make_customer()
    service = make.make_service(c)
    with pytest.raises(InvalidTransition):
        suspend_service(session, service, reason="boredom")
    suspend_service(session, service, reason="nonpayment")
    with pytest.raises(InvalidTransition):
        suspend_service(session, service, reason="nonpayment")
    suspend_service(session, service, reason="abuse", note="spam")  # escalation: payment will not lift it
    assert service.suspension_reason == "abuse"
    with pytest.raises(InvalidTransition):
        suspend_service(session, service, reason="nonpayment")
    pending = make.make_service(c, status="pending")
    with pytest.raises(InvalidTransition):
        suspend_service(session, pending, reason="abuse")


def test_unsuspend_lifts_any_reason_by_email_only(session, make):
    c = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    service = make.make_service(c)
    suspend_service(session, service, reason="abuse")
    unsuspend_service(session, service, actor_kind="staff", actor_id=None)
    session.commit()
    assert service.status == "active" and service.suspension_reason is None
    assert _outbox(session, "unsuspension") == ["email"]
    with pytest.raises(InvalidTransition):
        unsuspend_service(session, service)


def test_terminate_cancels_the_unpaid_proformas_of_that_service_only(session, make, settings):
    c = make.make_customer()
    service = make.make_service(c)
    own = make.make_proforma(c, service=service)
    other = make.make_proforma(c)
    terminate_service(session, service)
    session.commit()
    assert service.status == "terminated" and service.terminated_at is not None
    assert session.get(Invoice, own.id).status == "cancelled"
    assert session.get(Invoice, other.id).status == "unpaid"
    with pytest.raises(InvalidTransition):
        terminate_service(session, service)


def test_cli_suspend_unsuspend_terminate(runner, session, make):
    c = make.make_customer(phone_e164="+40722123456", sms_opt_in=True)
    service = make.make_service(c, domain="abuz.ro")
    result = runner.invoke(args=["service", "suspend", str(service.id), "--reason", "abuse", "--note", "phishing"])
    assert result.exit_code == 0, result.output
    assert "abuz.ro" in result.output and "abuse" in result.output
    session.expire_all()
    assert (service.status, service.suspension_note) == ("suspended", "phishing")
    assert _outbox(session, "suspension") == ["email", "sms"]

    assert runner.invoke(args=["service", "unsuspend", str(service.id)]).exit_code == 0
    session.expire_all()
    assert service.status == "active"
    again = runner.invoke(args=["service", "unsuspend", str(service.id)])
    assert again.exit_code != 0 and "not suspended" in again.output

    assert runner.invoke(args=["service", "terminate", str(service.id)]).exit_code == 0
    session.expire_all()
    assert session.get(Service, service.id).status == "terminated"


def test_cli_refuses_bad_reason_and_unknown_service(runner, make):
    service = make.make_service(make.make_customer())
    bad = runner.invoke(args=["service", "suspend", str(service.id), "--reason", "boredom"])
    assert bad.exit_code != 0 and "Invalid value" in bad.output
    missing = runner.invoke(args=["service", "terminate", "999999"])
    assert missing.exit_code != 0 and "No service 999999" in missing.output


def test_payment_of_a_terminated_service_does_not_revive_it(session, make, settings):
    from hostico.billing.payments import record_payment

    c = make.make_customer()
    service = make.make_service(c, next_due_date=dt.date(2026, 1, 1))
    proforma = make.make_proforma(c)  # not tied to the service: stays payable
    proforma.lines[0].service_id = service.id
    session.commit()
    service.status = "terminated"
    session.commit()
    record_payment(session, proforma.id, amount=proforma.total, method="card", settings=settings,
                   today=proforma.issue_date)
    assert service.status == "terminated" and service.next_due_date == dt.date(2026, 1, 1)
